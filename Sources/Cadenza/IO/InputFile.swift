#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads whole input files with a size limit, so a 2 GB file named `.mid` cannot exhaust memory.
/// Input files are opened read-only and never modified.
public enum InputFile {
    /// The largest file read by default: real MIDI files are kilobytes to a few megabytes.
    public static let defaultMaximumBytes = 64 << 20

    /// - Throws: `CadenzaError.badInput` naming the file when it is missing, a folder, unreadable
    ///   or larger than `maximumBytes`.
    public static func read(_ path: String, maximumBytes: Int = defaultMaximumBytes) throws(CadenzaError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            let reason = String(cString: strerror(errno))
            throw .badInput(file: path, location: nil, problem: "cannot open: \(reason)", hint: "check the path")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw .badInput(file: path, location: nil, problem: "cannot read file status", hint: "check permissions")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw .badInput(file: path, location: nil, problem: "is a folder, not a file", hint: "name a .mid file")
        }
        let size = Int(info.st_size)
        if size > maximumBytes {
            throw .badInput(
                file: path, location: nil,
                problem: "file is \(size / (1 << 20)) MB; files over \(maximumBytes / (1 << 20)) MB are not read",
                hint: "real MIDI files are far smaller; this is probably not a MIDI file")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress! + done, size - done) }
            if n < 0 {
                let reason = String(cString: strerror(errno))
                throw .badInput(file: path, location: "byte \(done)", problem: "read failed: \(reason)", hint: "check the disk")
            }
            if n == 0 { bytes.removeSubrange(done...); break }  // the file shrank while we read it
            done += n
        }
        return bytes
    }
}

/// POSIX read(2), named apart from `InputFile.read`.
func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, buffer, count)
    #else
    return Darwin.read(fd, buffer, count)
    #endif
}
