/// One field of an ``EventTable``: a code per row and the dictionary the codes point into.
public struct Column: Sendable, Equatable {
    /// The flattened field name.
    public let name: String
    /// A code per row; 0 where the event lacks the field.
    public internal(set) var codes: CodeArray
    /// The field's distinct values.
    public internal(set) var dictionary: ValueDictionary

    /// Makes a column from its parts.
    public init(name: String, codes: CodeArray, dictionary: ValueDictionary) {
        self.name = name
        self.codes = codes
        self.dictionary = dictionary
    }

    /// The value at `row`, nil when absent.
    public func value(at row: Int) -> Value? {
        let c = Int(codes[row])
        return c == 0 ? nil : dictionary.value(c)
    }

    /// The numeric value per row (NaN where absent or not a number).
    /// - Complexity: O(rows)
    public func numbers() -> [Double] {
        let table = dictionary.numberTable()
        return table.withUnsafeBufferPointer { t -> [Double] in
            switch codes {
            case .u8(let a): return a.map { t[Int($0)] }
            case .u16(let a): return a.map { t[Int($0)] }
            case .u32(let a): return a.map { t[Int($0)] }
            }
        }
    }

    /// How many rows have the field.
    /// - Complexity: O(rows)
    public var presentCount: Int {
        switch codes {
        case .u8(let a): return a.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
        case .u16(let a): return a.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
        case .u32(let a): return a.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
        }
    }
}
