/// The snapshot's fingerprint written field by field: byte for byte what its `Encodable`
/// conformance gives through ``CanonicalHash``, without the generic containers, which cost
/// most of the time of reading a large schema.
///
/// Each type writes its stored properties in declaration order, as synthesized `Encodable`
/// does, leaving out a nil optional as `encodeIfPresent` does. A property added to a catalog
/// type must be added here too: `CanonicalHashTests` and `CompareCorpusTests` compare both
/// encodings on every kind of object and fail when they part.
protocol CanonicalFields {
    /// Writes the value's keyed fields, each as `"key":value,`.
    func writeFields(to sink: inout CanonicalHash.Writer)
}

extension CanonicalHash.Writer {
    mutating func field(_ key: StaticString, _ value: String) {
        self.key(key)
        text(value)
        byte(0x2C)
    }

    mutating func field(_ key: StaticString, _ value: String?) {
        if let value { field(key, value) }
    }

    mutating func field(_ key: StaticString, _ value: Bool) {
        self.key(key)
        plain(value ? "true," : "false,")
    }

    mutating func field<Number: FixedWidthInteger>(_ key: StaticString, _ value: Number) {
        self.key(key)
        plain(String(value))
        byte(0x2C)
    }

    mutating func field(_ key: StaticString, _ value: [String]) {
        list(key, value) { $0.text($1) }
    }

    mutating func field(_ key: StaticString, _ value: [String]?) {
        if let value { field(key, value) }
    }

    /// A catalog code is a single string value: `("r")`.
    mutating func field<Code: CatalogCode>(_ key: StaticString, _ value: Code) {
        self.key(key)
        code(value)
        byte(0x2C)
    }

    mutating func field<Code: CatalogCode>(_ key: StaticString, _ value: [Code]) {
        list(key, value) { $0.code($1) }
    }

    mutating func field<Value: CanonicalFields>(_ key: StaticString, _ value: Value) {
        self.key(key)
        object(value)
        byte(0x2C)
    }

    mutating func field<Value: CanonicalFields>(_ key: StaticString, _ value: Value?) {
        if let value { field(key, value) }
    }

    mutating func field<Value: CanonicalFields>(_ key: StaticString, _ value: [Value]) {
        list(key, value) { $0.object($1) }
    }

    /// A dictionary as ``SortedEntries`` encodes it.
    mutating func field(_ key: StaticString, _ value: [String: String]) {
        entries(key, value) { $0.text($1) }
    }

    /// A dictionary of lists as ``SortedEntries`` encodes it.
    mutating func field(_ key: StaticString, _ value: [String: [String]]) {
        entries(key, value) { writer, items in
            writer.byte(0x28)
            writer.byte(0x5B)
            for item in items {
                writer.text(item)
                writer.byte(0x2C)
            }
            writer.byte(0x29)
        }
    }

    /// `"key":`; keys are Swift identifiers, which need no escaping.
    private mutating func key(_ key: StaticString) {
        byte(0x22)
        key.withUTF8Buffer { raw(UnsafeRawBufferPointer($0)) }
        byte(0x22)
        byte(0x3A)
    }

    /// `"key":([` each item `,` `),`: an array, as the unkeyed container writes it.
    private mutating func list<Item>(
        _ key: StaticString, _ items: [Item], _ write: (inout Self, Item) -> Void
    ) {
        self.key(key)
        byte(0x28)
        byte(0x5B)
        for item in items {
            write(&self, item)
            byte(0x2C)
        }
        byte(0x29)
        byte(0x2C)
    }

    /// `"key":({` each `"name":value,` in name order `),`: a dictionary, as ``SortedEntries``
    /// writes it.
    private mutating func entries<Value>(
        _ key: StaticString, _ value: [String: Value], _ write: (inout Self, Value) -> Void
    ) {
        self.key(key)
        byte(0x28)
        byte(0x7B)
        for name in value.keys.sorted() {
            text(name)
            byte(0x3A)
            write(&self, value[name]!)
            byte(0x2C)
        }
        byte(0x29)
        byte(0x2C)
    }

    private mutating func code<Code: CatalogCode>(_ value: Code) {
        byte(0x28)
        text(value.rawValue)
        byte(0x29)
    }

    /// `({` the fields `)`, as a nested keyed value.
    private mutating func object<Value: CanonicalFields>(_ value: Value) {
        byte(0x28)
        byte(0x7B)
        value.writeFields(to: &self)
        byte(0x29)
    }
}

extension CatalogSnapshot {
    /// The fingerprint's fields: the server version as 0 and the fingerprint empty, as
    /// ``computeFingerprint()`` hashes them.
    func writeFingerprintFields(to sink: inout CanonicalHash.Writer) {
        sink.field("version", version)
        sink.field("serverVersionNumber", 0)
        sink.field("schemas", schemas)
        sink.field("relations", relations.values.sorted { $0.name < $1.name })
        sink.field("constraints", constraints)
        sink.field("indexes", indexes)
        sink.field("functions", functions)
        sink.field("triggers", triggers)
        sink.field("policies", policies)
        sink.field("schemaPrivileges", schemaPrivileges)
        sink.field("extensions", extensions)
        sink.field("types", types)
        sink.field("sequences", sequences)
        sink.field("eventTriggers", eventTriggers)
        sink.field("defaultPrivileges", defaultPrivileges)
        sink.field("publications", publications)
        sink.field("fingerprint", "")
    }
}

extension QualifiedName: CanonicalFields {
    func writeFields(to sink: inout CanonicalHash.Writer) {
        sink.field("schema", schema)
        sink.field("name", name)
    }
}

extension Relation: CanonicalFields {
    func writeFields(to sink: inout CanonicalHash.Writer) {
        sink.field("name", name)
        sink.field("kind", kind)
        sink.field("owner", owner)
        sink.field("rowSecurity", rowSecurity)
        sink.field("forceRowSecurity", forceRowSecurity)
        sink.field("options", options)
        sink.field("apiGrants", apiGrants)
        sink.field("columns", columns)
        sink.field("privileges", privileges)
        sink.field("persistence", persistence)
        sink.field("partitionKey", partitionKey)
        sink.field("partitionBound", partitionBound)
        sink.field("parents", parents)
        sink.field("viewDefinition", viewDefinition)
        sink.field("replicaIdentity", replicaIdentity)
        sink.field("comment", comment)
    }
}

extension Column: CanonicalFields {
    func writeFields(to sink: inout CanonicalHash.Writer) {
        sink.field("name", name)
        sink.field("type", type)
        sink.field("notNull", notNull)
        sink.field("defaultExpression", defaultExpression)
        sink.field("generated", generated)
        sink.field("collation", collation)
        sink.field("identity", identity)
        sink.field("privileges", privileges)
        sink.field("comment", comment)
        sink.field("identitySequence", identitySequence)
    }
}

extension Constraint: CanonicalFields {
    func writeFields(to sink: inout CanonicalHash.Writer) {
        sink.field("table", table)
        sink.field("name", name)
        sink.field("kind", kind)
        sink.field("definition", definition)
        sink.field("validated", validated)
        sink.field("columns", columns)
        sink.field("referencedTable", referencedTable)
        sink.field("referencedColumns", referencedColumns)
    }
}

extension Index: CanonicalFields {
    func writeFields(to sink: inout CanonicalHash.Writer) {
        sink.field("table", table)
        sink.field("name", name)
        sink.field("columns", columns)
        sink.field("unique", unique)
        sink.field("primary", primary)
        sink.field("valid", valid)
        sink.field("predicate", predicate)
        sink.field("definition", definition)
    }
}

extension Function: CanonicalFields {
    func writeFields(to sink: inout CanonicalHash.Writer) {
        sink.field("name", name)
        sink.field("arguments", arguments)
        sink.field("result", result)
        sink.field("volatility", volatility)
        sink.field("securityDefiner", securityDefiner)
        sink.field("settings", settings)
        sink.field("language", language)
        sink.field("owner", owner)
        sink.field("bodyHash", bodyHash)
        sink.field("body", body)
        sink.field("kind", kind)
        sink.field("fullArguments", fullArguments)
        sink.field("attributes", attributes)
        sink.field("privileges", privileges)
        sink.field("aggregate", aggregate)
        sink.field("comment", comment)
        sink.field("sourceHash", sourceHash)
    }
}

extension Extension: CanonicalFields {
    func writeFields(to sink: inout CanonicalHash.Writer) {
        sink.field("name", name)
        sink.field("version", version)
        sink.field("schema", schema)
    }
}

extension UserType: CanonicalFields {
    func writeFields(to sink: inout CanonicalHash.Writer) {
        sink.field("name", name)
        sink.field("kind", kind)
        sink.field("owner", owner)
        sink.field("values", values)
        sink.field("base", base)
        sink.field("notNull", notNull)
        sink.field("defaultExpression", defaultExpression)
        sink.field("constraints", constraints)
        sink.field("attributes", attributes)
        sink.field("collation", collation)
    }
}

extension DatabaseSequence: CanonicalFields {
    func writeFields(to sink: inout CanonicalHash.Writer) {
        sink.field("name", name)
        sink.field("type", type)
        sink.field("start", start)
        sink.field("increment", increment)
        sink.field("minimum", minimum)
        sink.field("maximum", maximum)
        sink.field("cache", cache)
        sink.field("cycle", cycle)
        sink.field("ownedBy", ownedBy)
        sink.field("owner", owner)
        sink.field("privileges", privileges)
    }
}

extension EventTrigger: CanonicalFields {
    func writeFields(to sink: inout CanonicalHash.Writer) {
        sink.field("name", name)
        sink.field("event", event)
        sink.field("function", function)
        sink.field("enabled", enabled)
        sink.field("tags", tags)
    }
}

extension DefaultPrivileges: CanonicalFields {
    func writeFields(to sink: inout CanonicalHash.Writer) {
        sink.field("role", role)
        sink.field("schema", schema)
        sink.field("objectType", objectType)
        sink.field("privileges", privileges)
    }
}

extension Publication: CanonicalFields {
    func writeFields(to sink: inout CanonicalHash.Writer) {
        sink.field("name", name)
        sink.field("allTables", allTables)
        sink.field("operations", operations)
        sink.field("viaRoot", viaRoot)
        sink.field("tables", tables)
        sink.field("schemas", schemas)
    }
}

extension Trigger: CanonicalFields {
    func writeFields(to sink: inout CanonicalHash.Writer) {
        sink.field("table", table)
        sink.field("name", name)
        sink.field("function", function)
        sink.field("timing", timing)
        sink.field("events", events)
        sink.field("level", level)
        sink.field("enabled", enabled)
        sink.field("definition", definition)
    }
}

extension Policy: CanonicalFields {
    func writeFields(to sink: inout CanonicalHash.Writer) {
        sink.field("table", table)
        sink.field("name", name)
        sink.field("command", command)
        sink.field("permissive", permissive)
        sink.field("roles", roles)
        sink.field("using", using)
        sink.field("withCheck", withCheck)
    }
}
