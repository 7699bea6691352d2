import CLibCrypto

/// SHA-256 (FIPS 180-4), for schema fingerprints, bodies and migration checksums.
///
/// OpenSSL's, from the libcrypto that libpq already loads: with the processor's SHA
/// instructions it hashes a large schema's fingerprint several times faster than code of our
/// own could.
public enum SHA256 {
    /// The digest of `bytes` as 64 lowercase hex digits.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = Hasher()
        hasher.update(Array(bytes))
        return hasher.finalizeHex()
    }

    /// The digest of a string's UTF-8 bytes as hex.
    public static func hex(_ text: String) -> String {
        var hasher = Hasher()
        var text = text
        text.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
        return hasher.finalizeHex()
    }

    /// The 32-byte digest.
    public static func digest(_ input: [UInt8]) -> [UInt8] {
        var hasher = Hasher()
        hasher.update(input)
        return hasher.finalize()
    }

    /// A digest fed piece by piece, so that what is hashed never has to be held whole.
    public struct Hasher {
        private var context = SHA256_CTX()

        public init() { SHA256_Init(&context) }

        /// Adds bytes to the message.
        public mutating func update<Bytes: Collection>(_ bytes: Bytes)
        where Bytes.Element == UInt8 {
            let done: Void? = bytes.withContiguousStorageIfAvailable {
                update(UnsafeRawBufferPointer($0))
            }
            if done == nil { Array(bytes).withUnsafeBytes { update($0) } }
        }

        /// Adds the bytes at `buffer` to the message.
        public mutating func update(_ buffer: UnsafeRawBufferPointer) {
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
            SHA256_Update(&context, base, buffer.count)
        }

        /// The 32-byte digest of everything added.
        public mutating func finalize() -> [UInt8] {
            var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
            SHA256_Final(&digest, &context)
            return digest
        }

        /// The digest as 64 lowercase hex digits.
        public mutating func finalizeHex() -> String {
            let digits = Array("0123456789abcdef".utf8)
            let digest = finalize()
            return String(unsafeUninitializedCapacity: digest.count * 2) { text in
                for (offset, byte) in digest.enumerated() {
                    text[offset * 2] = digits[Int(byte >> 4)]
                    text[offset * 2 + 1] = digits[Int(byte & 0x0F)]
                }
                return digest.count * 2
            }
        }
    }
}
