/// A rectangle of cells: origin at the top-left, sizes in columns and rows.
public struct Rect: Hashable, Sendable {
    /// Left column.
    public var x: Int
    /// Top row.
    public var y: Int
    /// Width in columns (negative counts as 0).
    public var width: Int
    /// Height in rows (negative counts as 0).
    public var height: Int

    /// Makes a rectangle.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The column just right of the rectangle, saturating instead of overflowing.
    public var maxX: Int { x.addingSaturating(max(width, 0)) }
    /// The row just below the rectangle, saturating instead of overflowing.
    public var maxY: Int { y.addingSaturating(max(height, 0)) }
    /// Whether the rectangle holds no cell.
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    /// The part of the rectangle inside `other` (possibly empty).
    public func intersection(_ other: Rect) -> Rect {
        let left = max(x, other.x), top = max(y, other.y)
        let right = min(maxX, other.maxX), bottom = min(maxY, other.maxY)
        return Rect(x: left, y: top, width: max(0, right - left), height: max(0, bottom - top))
    }

    /// The rectangle shrunk by `amount` on every side (never below zero size).
    public func inset(by amount: Int) -> Rect {
        Rect(x: x.addingSaturating(amount), y: y.addingSaturating(amount),
             width: max(0, width - 2 * amount), height: max(0, height - 2 * amount))
    }
}

/// The size of a terminal or grid in columns and rows.
public struct TerminalSize: Hashable, Sendable, CustomStringConvertible {
    /// Columns.
    public var width: Int
    /// Rows.
    public var height: Int

    /// Makes a size.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// The smallest size the explorer draws in: 80x24.
    public static let minimum = TerminalSize(width: 80, height: 24)

    /// Whether this size is at least `other` in both directions.
    public func fits(_ other: TerminalSize) -> Bool { width >= other.width && height >= other.height }

    /// `100x30`.
    public var description: String { "\(width)x\(height)" }
}

extension Int {
    /// Addition that clamps at `Int.min`/`Int.max` instead of trapping on hostile sizes.
    @usableFromInline
    func addingSaturating(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        if !overflow { return sum }
        return other > 0 ? Int.max : Int.min
    }
}
