import Foundation

/// Generation slots with a bounded waiting line: a request takes a free slot at once, else waits
/// in line (first come, first served) up to `timeout`; when the line is full it is refused at
/// once. So a burst of clients is served in turn instead of refused, and an overload still gets
/// a quick 503 rather than an ever longer wait.
final class GenerationQueue: @unchecked Sendable {
    enum Outcome: Sendable { case granted, full, timedOut }

    private let lock = NSLock()
    private var free: Int
    private let maximumWaiting: Int
    private var waiting: [(ticket: UInt64, continuation: CheckedContinuation<Outcome, Never>)] = []
    private var nextTicket: UInt64 = 0

    init(slots: Int, maximumWaiting: Int) {
        (free, self.maximumWaiting) = (slots, maximumWaiting)
    }

    var waitingCount: Int { lock.withLock { waiting.count } }

    /// Takes a slot, waiting up to `timeout`; a cancelled caller leaves the line.
    func acquire(timeout: Duration) async -> Outcome {
        guard let ticket = takeOrQueue() else { return .granted }
        guard ticket > 0 else { return .full }
        let timer = TimerBox()
        defer { timer.cancel() }
        // A cancellation that lands before the caller is in line is caught by the timeout.
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                lock.withLock { waiting.append((ticket, continuation)) }
                // Started only now, so that it cannot fire before there is an entry to time out.
                timer.start(Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.leave(ticket, with: .timedOut)
                })
            }
        } onCancel: {
            leave(ticket, with: .timedOut)
        }
    }

    /// Takes a free slot (nil), refuses when the line is full (0), or hands out a ticket in line.
    private func takeOrQueue() -> UInt64? {
        lock.withLock {
            if free > 0 {
                free -= 1
                return nil
            }
            guard waiting.count < maximumWaiting else { return 0 }
            nextTicket += 1
            return nextTicket
        }
    }

    /// Gives a slot back: to the first in line, else to the pool.
    func release() {
        lock.lock()
        if waiting.isEmpty {
            free += 1
            lock.unlock()
        } else {
            let first = waiting.removeFirst()
            lock.unlock()
            first.continuation.resume(returning: .granted)
        }
    }

    private func leave(_ ticket: UInt64, with outcome: Outcome) {
        lock.lock()
        guard let index = waiting.firstIndex(where: { $0.ticket == ticket }) else {
            lock.unlock()
            return
        }
        let entry = waiting.remove(at: index)
        lock.unlock()
        entry.continuation.resume(returning: outcome)
    }
}

/// Holds a timer task so it can be cancelled from outside the closure that started it.
private final class TimerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<Void, Never>?
    func start(_ task: Task<Void, Never>) { lock.withLock { self.task = task } }
    func cancel() { lock.withLock { task?.cancel() } }
}
