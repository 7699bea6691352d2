import Foundation
import TollgateKit

/// `-o FILE`: a report written to a file, with a missing folder or a refused write reported
/// as a bad argument (exit 2) that names the path, never as Foundation's error text.
enum OutputFile {
    /// - Throws: ``ConfigurationError`` when the folder does not exist or is not writable.
    static func checkWritable(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder),
            isFolder.boolValue
        else {
            throw ConfigurationError("-o '\(path)': there is no folder '\(folder)' to write it in")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw ConfigurationError("-o '\(path)': the folder '\(folder)' is not writable")
        }
    }

    static func write(_ text: String, to path: String) throws {
        try checkWritable(path)
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            let reason = underlying.map {
                $0.domain == NSPOSIXErrorDomain
                    ? String(cString: strerror(Int32($0.code))) : $0.localizedDescription
            }
            throw ConfigurationError(
                "-o '\(path)': could not write the file" + (reason.map { " (\($0))" } ?? ""))
        }
    }
}
