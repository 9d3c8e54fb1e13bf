import KilnCore

/// Fields of one event under construction, where a repeated name keeps the last value.
///
/// Small sets search linearly; past 16 names a dictionary keeps hostile lines with many
/// names linear.
struct FieldSet {
    private(set) var fields: [Field] = []
    private var index: [String: Int]?

    init(capacity: Int = 0) {
        fields.reserveCapacity(capacity)
    }

    /// Sets `name` to `value`; a nil value removes an earlier value of `name`.
    /// - Complexity: O(1) amortized past 16 names, O(number of fields) below.
    mutating func set(_ name: String, _ value: Value?) {
        if let at = position(of: name) {
            if let value {
                fields[at].value = value
            } else {
                fields.remove(at: at)
                if index != nil { rebuildIndex() }
            }
            return
        }
        guard let value else { return }
        fields.append(Field(name, value))
        if index != nil {
            index?[name] = fields.count - 1
        } else if fields.count > 16 {
            rebuildIndex()
        }
    }

    private func position(of name: String) -> Int? {
        if let index { return index[name] }
        return fields.firstIndex { $0.name == name }
    }

    private mutating func rebuildIndex() {
        var map: [String: Int] = [:]
        map.reserveCapacity(fields.count)
        for (k, field) in fields.enumerated() { map[field.name] = k }
        index = map
    }
}
