import ArgumentParser
import KilnCore

/// Checks that the fields a command names exist in its dataset, before it runs, so that a
/// misspelt field is an error naming the closest field rather than an empty answer.
enum FieldCheck {
    /// A field a command names, and the flag that named it.
    struct Use {
        var flag: String
        var field: String
    }

    /// The uses of `filters` by `flag`.
    static func uses(_ filters: [Filter], flag: String) -> [Use] {
        filters.map { Use(flag: flag, field: $0.field) }
    }

    /// Prints `kiln COMMAND: FLAG: no field X (did you mean Y?)` and exits with 64 for the first
    /// field that is not in `dataset` (any time; `timestamp` always exists). A dataset that
    /// cannot be read is left for the command's own call to report.
    static func require(_ uses: [Use], dataset: String, backend: any EventBackend, command: String) throws {
        guard !uses.isEmpty, let known = try? backend.fieldNames(dataset: dataset) else { return }
        let names = Set(known).union([FieldName.timestamp])
        for use in uses where !names.contains(use.field) {
            printError("kiln \(command): \(use.flag): \(Sanitize.line(FieldSuggestion.unknownField(use.field, known: known)))")
            throw ExitCode(64)
        }
    }
}
