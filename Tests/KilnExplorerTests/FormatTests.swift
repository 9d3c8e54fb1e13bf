@testable import KilnExplorer
import Testing

/// The heatmap's value axis names the unit when the field's name says it.
struct FieldUnitTests {
    @Test(arguments: [
        ("duration_ms", 864_000.0, "14.4m"), ("duration_us", 864_000.0, "864ms"), ("latency_µs", 1500.0, "1.5ms"),
        ("elapsed_ns", 2_500_000.0, "2.5ms"), ("request_time_s", 1.5, "1.5s"), ("Duration", 864_000.0, "864k"), ("bytes", 1200.0, "1.2k"),
    ])
    func axisValuesCarryTheUnit(field: String, value: Double, expected: String) {
        #expect(Format.fieldValue(value, field: field) == expected)
    }
}
