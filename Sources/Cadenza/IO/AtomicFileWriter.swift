#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers only ever see the old file or the complete new one.
///
/// Bytes go to `NAME.tmp-PID` beside the destination; `commit()` flushes them to disk (fsync)
/// and renames over the destination, which POSIX makes atomic within one file system. A writer
/// that is never committed (an error, Ctrl-C) removes its temporary file, so a full disk or an
/// interrupted run leaves no half-written output.
public final class AtomicFileWriter {
    public let path: String
    let temporaryPath: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var committed = false
    /// Bytes written so far, including what is still buffered.
    public private(set) var byteCount: Int = 0

    public init(path: String) throws(CadenzaError) {
        self.path = path
        self.temporaryPath = path + ".tmp-\(getpid())"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if descriptor < 0 { throw AtomicFileWriter.failure(path, "cannot create \(temporaryPath)") }
        buffer.reserveCapacity(1 << 20)
    }

    deinit {
        if !committed { abort() }
    }

    public func write(_ bytes: some Collection<UInt8>) throws(CadenzaError) {
        buffer.append(contentsOf: bytes)
        byteCount += bytes.count
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Overwrites bytes at `offset` (for headers whose fields are known only at the end).
    public func patch(at offset: Int, _ bytes: [UInt8]) throws(CadenzaError) {
        try flush()
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
        if written != bytes.count { throw AtomicFileWriter.failure(path, "write failed") }
    }

    /// Flushes, syncs and renames the file into place.
    public func commit() throws(CadenzaError) {
        try flush()
        if fsync(descriptor) != 0 { throw AtomicFileWriter.failure(path, "fsync failed") }
        close(descriptor)
        descriptor = -1
        if rename(temporaryPath, path) != 0 {
            let reason = AtomicFileWriter.errnoText()
            unlink(temporaryPath)
            throw .writeFailed(file: path, problem: reason, hint: "check that the folder exists and is writable")
        }
        committed = true
    }

    /// Drops everything written; the destination is untouched.
    public func abort() {
        if descriptor >= 0 { close(descriptor); descriptor = -1 }
        unlink(temporaryPath)
        committed = true
    }

    private func flush() throws(CadenzaError) {
        var start = 0
        while start < buffer.count {
            let n = buffer.withUnsafeBytes { raw in
                Glibc_write(descriptor, raw.baseAddress! + start, raw.count - start)
            }
            if n <= 0 { throw AtomicFileWriter.failure(path, "write failed") }
            start += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }

    static func failure(_ path: String, _ what: String) -> CadenzaError {
        let reason = errnoText()
        let hint = errno == ENOSPC ? "the disk is full; free space and run again" : "check permissions and free space"
        return .writeFailed(file: path, problem: "\(what): \(reason)", hint: hint)
    }

    /// Writes a whole file atomically in one call.
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws(CadenzaError) {
        let writer = try AtomicFileWriter(path: path)
        try writer.write(bytes)
        try writer.commit()
    }
}

@inline(__always)
private func Glibc_write(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, pointer, count)
    #else
    return Darwin.write(fd, pointer, count)
    #endif
}
