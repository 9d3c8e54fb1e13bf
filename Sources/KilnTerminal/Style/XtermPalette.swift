/// The standard xterm 256-colour palette and nearest-colour searches in it.
public enum XtermPalette {
    /// The RGB value xterm uses by default for a palette index 0...255 (clamped).
    public static func rgb(ofIndex index: Int) -> RGB {
        let i = min(max(index, 0), 255)
        if i < 16 { return basic[i] }
        if i >= 232 {
            let v = UInt8(8 + 10 * (i - 232))
            return RGB(v, v, v)
        }
        let c = i - 16
        return RGB(cubeLevels[c / 36], cubeLevels[(c / 6) % 6], cubeLevels[c % 6])
    }

    /// The index 16...255 nearest to `color`; the first 16 are left out because terminals
    /// redefine them.
    /// - Complexity: O(1)
    public static func nearest256(_ color: RGB) -> Int {
        func level(_ v: UInt8) -> Int {
            // Nearest of the cube levels 0, 95, 135, 175, 215, 255.
            let v = Int(v)
            if v < 48 { return 0 }
            if v < 115 { return 1 }
            return min(5, (v - 35) / 40)
        }
        let r = level(color.red), g = level(color.green), b = level(color.blue)
        let cubeIndex = 16 + 36 * r + 6 * g + b
        let average = (Int(color.red) + Int(color.green) + Int(color.blue)) / 3
        let greyStep = min(23, max(0, (average - 3) / 10))
        let greyIndex = 232 + greyStep
        let cubeDistance = color.distance(to: rgb(ofIndex: cubeIndex))
        let greyDistance = color.distance(to: rgb(ofIndex: greyIndex))
        return greyDistance < cubeDistance ? greyIndex : cubeIndex
    }

    /// The basic colour 0...15 nearest to `color` under xterm's default values; greys
    /// (channels within 40 of each other) only match black, grey and white, never a hue.
    public static func nearest16(_ color: RGB) -> Int {
        nearest(color, among: isGrey(color) ? [0, 8, 7, 15] : Array(0..<16))
    }

    /// The basic colour 0...7 nearest to `color` under xterm's default values; greys only
    /// match black and white.
    public static func nearest8(_ color: RGB) -> Int {
        nearest(color, among: isGrey(color) ? [0, 7] : Array(0..<8))
    }

    private static func isGrey(_ c: RGB) -> Bool {
        let hi = max(c.red, c.green, c.blue), lo = min(c.red, c.green, c.blue)
        return hi - lo < 40
    }

    private static func nearest(_ color: RGB, among indexes: [Int]) -> Int {
        var best = indexes.first ?? 0, bestDistance = Int.max
        for i in indexes {
            let d = color.distance(to: basic[i])
            if d < bestDistance {
                best = i
                bestDistance = d
            }
        }
        return best
    }

    private static let cubeLevels: [UInt8] = [0, 95, 135, 175, 215, 255]

    /// xterm's defaults for the 16 basic colours.
    static let basic: [RGB] = [
        RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0),
        RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
        RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0), RGB(255, 255, 0),
        RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
    ]

    /// Names of the 16 basic colours as theme files spell them.
    public static let basicNames: [String] = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
        "bright-black", "bright-red", "bright-green", "bright-yellow",
        "bright-blue", "bright-magenta", "bright-cyan", "bright-white",
    ]

    /// The index of a basic colour name (`grey`/`gray` are `bright-black`); nil if unknown.
    public static func basicIndex(named name: String) -> Int? {
        let n = name.lowercased()
        if n == "grey" || n == "gray" { return 8 }
        return basicNames.firstIndex(of: n)
    }
}
