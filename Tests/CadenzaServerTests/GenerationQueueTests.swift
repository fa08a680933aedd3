@testable import CadenzaServer
import Foundation
import Testing

@Suite struct GenerationQueueTests {
    @Test func freeSlotsAreGrantedAtOnce() async {
        let queue = GenerationQueue(slots: 2, maximumWaiting: 0)
        #expect(await queue.acquire(timeout: .seconds(1)) == .granted)
        #expect(await queue.acquire(timeout: .seconds(1)) == .granted)
        #expect(await queue.acquire(timeout: .seconds(1)) == .full)
        queue.release()
        #expect(await queue.acquire(timeout: .seconds(1)) == .granted)
    }

    @Test func waitersAreServedInOrderOnRelease() async throws {
        let queue = GenerationQueue(slots: 1, maximumWaiting: 4)
        #expect(await queue.acquire(timeout: .seconds(1)) == .granted)
        let order = Order()
        let first = Task { let outcome = await queue.acquire(timeout: .seconds(20)); order.add(1); return outcome }
        for _ in 0..<200 where queue.waitingCount < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let second = Task { let outcome = await queue.acquire(timeout: .seconds(20)); order.add(2); return outcome }
        for _ in 0..<200 where queue.waitingCount < 2 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(queue.waitingCount == 2)
        queue.release()
        #expect(await first.value == .granted)
        queue.release()
        #expect(await second.value == .granted)
        #expect(order.values == [1, 2])
    }

    /// (No bound on the elapsed time: on a loaded machine timers fire late. The time limit
    /// catches a wait that never ends.)
    @Test(.timeLimit(.minutes(1))) func waitingEndsAtTheTimeout() async {
        let queue = GenerationQueue(slots: 1, maximumWaiting: 4)
        #expect(await queue.acquire(timeout: .seconds(1)) == .granted)
        #expect(await queue.acquire(timeout: .milliseconds(100)) == .timedOut)
        #expect(queue.waitingCount == 0)
        // The slot held all along is still the only one.
        queue.release()
        #expect(await queue.acquire(timeout: .milliseconds(10)) == .granted)
    }

    @Test func cancelledWaiterLeavesTheLine() async throws {
        let queue = GenerationQueue(slots: 1, maximumWaiting: 4)
        #expect(await queue.acquire(timeout: .seconds(1)) == .granted)
        let waiter = Task { await queue.acquire(timeout: .seconds(30)) }
        for _ in 0..<200 where queue.waitingCount < 1 { try await Task.sleep(for: .milliseconds(5)) }
        waiter.cancel()
        #expect(await waiter.value == .timedOut)
        #expect(queue.waitingCount == 0)
    }
}

final class Order: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int] = []
    func add(_ value: Int) { lock.withLock { items.append(value) } }
    var values: [Int] { lock.withLock { items } }
}
