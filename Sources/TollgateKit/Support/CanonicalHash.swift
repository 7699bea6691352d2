/// The SHA-256 of a value's canonical encoding, computed as the value is encoded: nothing is
/// built whole, neither a tree of the value nor its text.
///
/// The encoding is JSON-like and unambiguous: keys in the order the value encodes them, every
/// nested value in parentheses, strings quoted with `"` and `\` escaped. Types whose key order
/// is fixed (every synthesized `Codable`) therefore hash the same every time. A `Dictionary`
/// encodes in hash order, which changes from run to run, so it is refused: encode its entries
/// sorted (``SortedEntries``).
///
/// ```swift
/// let fingerprint = try CanonicalHash.hex(of: snapshot)
/// ```
enum CanonicalHash {
    static func hex<Value: Encodable>(of value: Value) throws -> String {
        let sink = Sink()
        try value.encode(to: HashEncoder(sink: sink))
        return sink.finish()
    }

    /// The bytes of an encoding, hashed 64 KiB at a time.
    ///
    /// A value, so that writing through it
    /// (``CanonicalFields``) needs none of the run-time exclusivity checks a class's stored
    /// properties get.
    struct Writer {
        private var hasher = SHA256.Hasher()
        private var buffer: [UInt8] = []

        init() { buffer.reserveCapacity(1 << 16) }

        mutating func byte(_ value: UInt8) {
            buffer.append(value)
            if buffer.count >= 1 << 16 { flush() }
        }

        mutating func text(_ value: String) {
            buffer.append(0x22)
            var value = value
            value.withUTF8 { bytes in
                if !bytes.contains(where: { $0 == 0x22 || $0 == 0x5C }) {
                    buffer.append(contentsOf: bytes)
                } else {
                    for byte in bytes {
                        if byte == 0x22 || byte == 0x5C { buffer.append(0x5C) }
                        buffer.append(byte)
                    }
                }
            }
            byte(0x22)
        }

        mutating func plain(_ value: String) {
            buffer.append(contentsOf: value.utf8)
            if buffer.count >= 1 << 16 { flush() }
        }

        mutating func raw(_ bytes: UnsafeRawBufferPointer) {
            buffer.append(contentsOf: bytes)
            if buffer.count >= 1 << 16 { flush() }
        }

        private mutating func flush() {
            hasher.update(buffer)
            buffer.removeAll(keepingCapacity: true)
        }

        mutating func finish() -> String {
            flush()
            return hasher.finalizeHex()
        }
    }

    /// The ``Writer`` the `Encoder` containers share.
    final class Sink {
        private var writer = Writer()
        private var refused: [ObjectIdentifier: Bool] = [:]

        func byte(_ value: UInt8) { writer.byte(value) }
        func text(_ value: String) { writer.text(value) }
        func plain(_ value: String) { writer.plain(value) }

        /// Refuses keys whose order is the hash order of a `Dictionary`.
        func checkOrdered<Key>(_ type: Key.Type) {
            let id = ObjectIdentifier(type)
            if refused[id] == nil {
                refused[id] = String(reflecting: type).contains("_DictionaryCodingKey")
            }
            precondition(
                refused[id] == false,
                "a Dictionary encodes in hash order, which changes from run to run: encode it as SortedEntries"
            )
        }

        func finish() -> String { writer.finish() }
    }

    /// `(` the value `)`: what the value wrote is closed, whatever containers it opened.
    ///
    /// Strings and numbers are written as they are (what the containers' defaults for `Int64`,
    /// `Double` and the like hand here).
    static func nested<Value: Encodable>(
        _ value: Value, _ sink: Sink, _ path: [any CodingKey]
    )
        throws
    {
        // Comparing types is cheap; a cast to an existential, for every value, is not.
        if Value.self == String.self {
            sink.text(unsafeBitCast(value, to: String.self))
            return
        }
        if Value.self == Int64.self || Value.self == Int32.self || Value.self == Int16.self
            || Value.self == Int8.self || Value.self == UInt64.self || Value.self == UInt32.self
            || Value.self == UInt16.self || Value.self == UInt8.self || Value.self == UInt.self
            || Value.self == Int.self || Value.self == Double.self || Value.self == Float.self
            || Value.self == Bool.self
        {
            sink.plain(String(describing: value))
            return
        }
        sink.byte(0x28)
        try value.encode(to: HashEncoder(sink: sink, codingPath: path))
        sink.byte(0x29)
    }

    struct HashEncoder: Encoder {
        let sink: Sink
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            sink.checkOrdered(type)
            sink.byte(0x7B)
            return KeyedEncodingContainer(Keyed<Key>(sink: sink, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            sink.byte(0x5B)
            return Unkeyed(sink: sink, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            Single(sink: sink, codingPath: codingPath)
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let sink: Sink
        var codingPath: [any CodingKey]

        private func key(_ key: Key) {
            sink.text(key.stringValue)
            sink.byte(0x3A)
        }

        mutating func encodeNil(forKey key: Key) throws {
            self.key(key)
            sink.plain("null,")
        }
        mutating func encode(_ value: Bool, forKey key: Key) throws {
            self.key(key)
            sink.plain(value ? "true," : "false,")
        }
        mutating func encode(_ value: String, forKey key: Key) throws {
            self.key(key)
            sink.text(value)
            sink.byte(0x2C)
        }
        mutating func encode(_ value: Int, forKey key: Key) throws {
            self.key(key)
            sink.plain(String(value))
            sink.byte(0x2C)
        }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            self.key(key)
            try CanonicalHash.nested(value, sink, codingPath)
            sink.byte(0x2C)
        }
        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type, forKey key: Key
        ) -> KeyedEncodingContainer<NestedKey> {
            preconditionFailure("nested containers have no end to hash: encode a value instead")
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            preconditionFailure("nested containers have no end to hash: encode a value instead")
        }
        mutating func superEncoder() -> any Encoder {
            preconditionFailure("super encoders have no end to hash: encode a value instead")
        }
        mutating func superEncoder(forKey key: Key) -> any Encoder {
            preconditionFailure("super encoders have no end to hash: encode a value instead")
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let sink: Sink
        var codingPath: [any CodingKey]
        var count = 0

        mutating func encodeNil() throws {
            count += 1
            sink.plain("null,")
        }
        mutating func encode(_ value: Bool) throws {
            count += 1
            sink.plain(value ? "true," : "false,")
        }
        mutating func encode(_ value: String) throws {
            count += 1
            sink.text(value)
            sink.byte(0x2C)
        }
        mutating func encode(_ value: Int) throws {
            count += 1
            sink.plain(String(value))
            sink.byte(0x2C)
        }
        mutating func encode<T: Encodable>(_ value: T) throws {
            count += 1
            try CanonicalHash.nested(value, sink, codingPath)
            sink.byte(0x2C)
        }
        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type
        ) -> KeyedEncodingContainer<NestedKey> {
            preconditionFailure("nested containers have no end to hash: encode a value instead")
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            preconditionFailure("nested containers have no end to hash: encode a value instead")
        }
        mutating func superEncoder() -> any Encoder {
            preconditionFailure("super encoders have no end to hash: encode a value instead")
        }
    }

    struct Single: SingleValueEncodingContainer {
        let sink: Sink
        var codingPath: [any CodingKey]

        mutating func encodeNil() throws { sink.plain("null") }
        mutating func encode(_ value: Bool) throws { sink.plain(value ? "true" : "false") }
        mutating func encode(_ value: String) throws { sink.text(value) }
        mutating func encode(_ value: Int) throws { sink.plain(String(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            try CanonicalHash.nested(value, sink, codingPath)
        }
    }
}

/// A dictionary's entries in key order, encoded as the dictionary itself would be (an object),
/// for encoders that keep the order they are given (``CanonicalHash``).
struct SortedEntries<Value: Encodable>: Encodable {
    let dictionary: [String: Value]

    init(_ dictionary: [String: Value]) { self.dictionary = dictionary }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for key in dictionary.keys.sorted() {
            try container.encode(dictionary[key]!, forKey: Key(stringValue: key))
        }
    }
}
