/// Interned field names, because the same few names repeat on every line.
///
/// Names have ids. A cache maps a member key's bytes *and the id of its parent object's
/// name* to the id of the flattened name (`http` + `method` -> `http.method`), so nested names
/// cost one hash lookup of the short key, with no copying. Two spellings of one flattened name
/// (`{"a.b":1}` and `{"a":{"b":1}}`) share one id.
///
/// Each name also keeps its rank among the time-field candidates and a per-line stamp used to
/// find duplicate names in O(1). The table is cleared between lines once it holds more than
/// ``limit`` names, so hostile input with fresh names on every line costs time but not
/// unbounded memory.
struct FieldNameTable {
    /// Names kept before the table is cleared (checked between lines).
    static let limit = 16_384
    /// Rank of a name that is not a time-field candidate.
    static let notTime: UInt8 = .max
    /// The parent of top-level members (distinct from a parent named "").
    static let noParent = -1

    /// What is known about one flattened name.
    struct Name {
        var text: String
        /// Rank among the time-field candidates, ``notTime`` when not one.
        var timeRank: UInt8
        /// True when every value of the field stays text (CSV and logfmt do not type it).
        var keepsText: Bool
        /// The stamp of the line (and region) that last used the name, and the field index there.
        var stamp: UInt64
        var fieldIndex: Int32

        /// Marks the name as used by the line `stamp` at `fieldIndex`, in one access. Returns
        /// the earlier field index when the line already used it, else -1.
        @inline(__always)
        mutating func claim(stamp newStamp: UInt64, fieldIndex index: Int32) -> Int32 {
            if stamp == newStamp { return fieldIndex }
            stamp = newStamp
            fieldIndex = index
            return -1
        }
    }

    /// One cached member key: its bytes in `arena`, its parent, and the flattened name's id.
    private struct Entry {
        var hash: UInt64
        var parent: Int32
        var start: Int32
        var length: Int32
        var target: Int32
    }

    /// Indexed by name id.
    var names: [Name] = []
    private var ids: [String: Int] = [:]

    // The cache of (parent, key bytes) -> name id, open addressing over `entries`.
    private var entries: [Entry] = []
    private var arena: [UInt8] = []
    private var slots: [Int32] = Array(repeating: -1, count: 256)
    /// The cache entry of the k-th key of the previous line: lines tend to repeat their keys in
    /// the same order, so the k-th key is checked against it before hashing.
    private var predicted: [Int32] = []
    private let timeFields: [String]
    /// How names are renamed and which stay text (see ``FieldRules``).
    private(set) var rules: FieldRules
    /// Changes whenever ids are reassigned (the table is cleared), so that maps from ids to
    /// something else (``RawNameMap``) know to start over. Tables made with different
    /// `generation`s never share a value.
    private(set) var generation: UInt64

    /// Makes an empty table; `timeFields` are the time candidates, most preferred first.
    /// `generation` should differ from that of every other table whose ids could be mixed up
    /// with this one's (the owner counts tables up; clearing adds 1 in the low 32 bits).
    init(timeFields: [String], generation: UInt64 = 0, rules: FieldRules = FieldRules()) {
        self.timeFields = timeFields
        self.generation = generation << 32
        self.rules = rules
    }

    /// Makes the fields named `textNames` (as stored, after renaming) keep their values as text
    /// from now on.
    mutating func keepText(_ textNames: Set<String>) {
        rules.textNames.formUnion(textNames)
        for k in names.indices where textNames.contains(names[k].text) { names[k].keepsText = true }
    }

    /// The number of names held.
    var count: Int { names.count }

    /// Empties the table when it has grown past ``limit``; call between lines only.
    mutating func trimIfNeeded() {
        guard names.count > Self.limit || entries.count > 4 * Self.limit else { return }
        generation &+= 1
        names.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
        predicted.removeAll(keepingCapacity: true)
        slots = Array(repeating: -1, count: 256)
    }

    /// The bytes `p[0..<n]` as at most two words, read with overlapping loads that stay inside
    /// the range (a key of up to 16 bytes is fully covered).
    @inline(__always)
    private static func words(_ p: UnsafeRawPointer, _ n: Int) -> (UInt64, UInt64) {
        if n >= 8 { return (p.loadUnaligned(as: UInt64.self), p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)) }
        if n >= 4 {
            let lo = UInt64(p.loadUnaligned(as: UInt32.self))
            let hi = UInt64(p.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
            return (lo | hi << 32, 0)
        }
        var w: UInt64 = 0
        for k in 0..<n { w |= UInt64(p.load(fromByteOffset: k, as: UInt8.self)) << UInt64(8 * k) }
        return (w, 0)
    }

    @inline(__always)
    private static func hash(_ p: UnsafePointer<UInt8>, _ n: Int, parent: Int) -> UInt64 {
        let raw = UnsafeRawPointer(p)
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n) ^ (UInt64(truncatingIfNeeded: parent) &* 0xD6E8_FEB8_6659_FD93)
        var i = 0
        while i + 16 < n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        let (a, b) = words(raw + i, n - i)
        h = (h ^ a) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 32
        h = (h ^ b) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 29)
    }

    /// The id of the member `p[0..<n]` (unescaped key bytes) of the object named by `parent`
    /// (``noParent`` at the top level), adding it when new; nil when the bytes are not UTF-8.
    /// `ordinal` counts the keys of the line (0, 1, ...), for the order prediction.
    /// - Complexity: O(n) expected.
    @inline(__always)
    mutating func child(of parent: Int, _ p: UnsafePointer<UInt8>, _ n: Int, ordinal: Int) -> Int? {
        if ordinal < predicted.count {
            let guess = Int(predicted[ordinal])
            let e = entries[guess]
            if Int(e.length) == n, Int(e.parent) == parent, equalBytes(at: Int(e.start), p, n) { return Int(e.target) }
        }
        guard let entry = lookup(parent, p, n) else { return nil }
        if ordinal < predicted.count {
            predicted[ordinal] = Int32(truncatingIfNeeded: entry)
        } else if ordinal == predicted.count {
            predicted.append(Int32(truncatingIfNeeded: entry))
        }
        return Int(entries[entry].target)
    }

    /// The cache entry of (`parent`, key bytes), added when new; nil when not UTF-8.
    private mutating func lookup(_ parent: Int, _ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        let h = Self.hash(p, n, parent: parent)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { return insert(parent, p, n, hash: h, slot: slot) }
            let e = entries[index]
            if e.hash == h, Int(e.length) == n, Int(e.parent) == parent, equalBytes(at: Int(e.start), p, n) {
                return index
            }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private func equalBytes(at start: Int, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        arena.withUnsafeBufferPointer { a in
            guard let base = a.baseAddress else { return n == 0 }
            let q = UnsafeRawPointer(base + start)
            let r = UnsafeRawPointer(p)
            var i = 0
            while i + 16 < n {
                if q.loadUnaligned(fromByteOffset: i, as: UInt64.self) != r.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                    return false
                }
                i += 8
            }
            return Self.words(q + i, n - i) == Self.words(r + i, n - i)
        }
    }

    private mutating func insert(_ parent: Int, _ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt64, slot: Int) -> Int? {
        let bytes = UnsafeBufferPointer(start: p, count: n)
        if ByteClass.firstInvalidUTF8(bytes) != nil { return nil }
        let key = String(decoding: bytes, as: UTF8.self)
        let target = id(of: parent == Self.noParent ? key : names[parent].text + "." + key)
        entries.append(Entry(hash: h, parent: Int32(truncatingIfNeeded: parent), start: Int32(truncatingIfNeeded: arena.count),
                             length: Int32(truncatingIfNeeded: n), target: Int32(truncatingIfNeeded: target)))
        arena.append(contentsOf: bytes)
        slots[slot] = Int32(truncatingIfNeeded: entries.count - 1)
        if entries.count * 2 > slots.count { grow() }
        return entries.count - 1
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        var newSlots = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        for (index, entry) in entries.enumerated() {
            var slot = Int(truncatingIfNeeded: entry.hash) & mask
            while newSlots[slot] >= 0 { slot = (slot + 1) & mask }
            newSlots[slot] = Int32(truncatingIfNeeded: index)
        }
        slots = newSlots
    }

    /// The id of the flattened name `name`, adding it when new.
    /// - Complexity: O(length of the name)
    mutating func id(of name: String) -> Int {
        if let id = ids[name] { return id }
        let stored = rules.renames[name] ?? name
        if stored != name, let id = ids[stored] {
            ids[name] = id
            return id
        }
        let id = names.count
        let rank = (timeFields.firstIndex(of: name) ?? timeFields.firstIndex(of: stored))
            .map { UInt8(truncatingIfNeeded: min($0, 254)) } ?? Self.notTime
        let text = rules.textNames.contains(stored) || FieldRules.looksLikeID(stored) || FieldRules.looksLikeID(name)
        names.append(Name(text: stored, timeRank: rank, keepsText: text, stamp: 0, fieldIndex: 0))
        ids[name] = id
        return id
    }
}
