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
        let ticket = lock.withLock { () -> UInt64 in
            nextTicket += 1
            return nextTicket
        }
        let timer = TimerBox()
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Deciding and joining the line under one lock, so that a release cannot fall
                // between "no free slot" and "in line" and leave this caller waiting while a
                // slot sits free.
                let outcome: Outcome? = lock.withLock {
                    if free > 0 {
                        free -= 1
                        return .granted
                    }
                    guard waiting.count < maximumWaiting else { return .full }
                    waiting.append((ticket, continuation))
                    return nil
                }
                if let outcome { return continuation.resume(returning: outcome) }
                // Started only now, so that it cannot fire before there is an entry to time out.
                timer.start(Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.leave(ticket, with: .timedOut)
                })
                // A cancellation that came before the caller was in line.
                if Task.isCancelled { leave(ticket, with: .timedOut) }
            }
        } onCancel: {
            leave(ticket, with: .timedOut)
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
