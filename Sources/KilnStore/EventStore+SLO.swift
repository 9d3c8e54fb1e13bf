import KilnCore

/// SLO definitions kept in the store, so that everyone using the file sees the same SLOs.
///
/// Two tables, created on first use: `kiln_slos` (one row per SLO) and `kiln_slo_filters`
/// (its `where` and `good` expressions in order, in the canonical text that
/// ``Filter/parse(_:)`` reads back).
extension EventStore {
    static let sloSchema = """
    CREATE TABLE IF NOT EXISTS kiln_slos(
        name TEXT PRIMARY KEY, dataset TEXT NOT NULL, target TEXT NOT NULL, period_ns INTEGER NOT NULL,
        description TEXT NOT NULL DEFAULT '', created_ns INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS kiln_slo_filters(
        slo TEXT NOT NULL, role TEXT NOT NULL, position INTEGER NOT NULL, expr TEXT NOT NULL,
        PRIMARY KEY(slo, role, position));
    """

    /// Adds `slo` to the store at `path` (created when missing). Durable when it returns.
    /// - Throws: ``StoreError`` `.invalidArgument` when an SLO of that name exists.
    public static func addSLO(_ slo: SLODefinition, path: String, now: Int64) throws {
        if let problem = slo.problem { throw StoreError.invalid(problem) }
        let db = try openForWriting(path)
        try db.execute(sloSchema)
        try db.transaction(immediate: true) {
            if try db.prepare("SELECT count(*) FROM kiln_slos WHERE name = ?").scalarInt(.text(slo.name)) ?? 0 > 0 {
                throw StoreError.invalid("an SLO named \"\(slo.name)\" already exists in \(path) (remove it first with `kiln slo rm`)")
            }
            try db.prepare("INSERT INTO kiln_slos(name, dataset, target, period_ns, description, created_ns) VALUES (?,?,?,?,?,?)")
                .run(.text(slo.name), .text(slo.dataset), .text(slo.target.description), .int(slo.period), .text(slo.description), .int(now))
            let insert = try db.prepare("INSERT INTO kiln_slo_filters(slo, role, position, expr) VALUES (?,?,?,?)")
            for (i, f) in slo.eligible.enumerated() { try insert.run(.text(slo.name), .text("where"), .int(Int64(i)), .text(f.description)) }
            for (i, f) in slo.good.enumerated() { try insert.run(.text(slo.name), .text("good"), .int(Int64(i)), .text(f.description)) }
        }
    }

    /// Removes the SLO `name`; false when there was none.
    public static func removeSLO(named name: String, path: String) throws -> Bool {
        _ = try openForReading(path)
        let db = try openForWriting(path)
        try db.execute(sloSchema)
        return try db.transaction(immediate: true) {
            let found = try db.prepare("SELECT count(*) FROM kiln_slos WHERE name = ?").scalarInt(.text(name)) ?? 0 > 0
            try db.prepare("DELETE FROM kiln_slos WHERE name = ?").run(.text(name))
            try db.prepare("DELETE FROM kiln_slo_filters WHERE slo = ?").run(.text(name))
            return found
        }
    }

    /// Every SLO of the store at `path`, by name; empty when the store has none yet.
    /// - Throws: ``StoreError`` `.notFound` when there is no store, `.corrupt` when a stored
    ///   definition no longer parses.
    public static func slos(path: String) throws -> [SLODefinition] {
        let db = try openForReading(path)
        return try db.transaction {
            guard try db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'kiln_slos'").scalarInt() ?? 0 > 0 else {
                return []
            }
            var filters: [String: (eligible: [Filter], good: [Filter])] = [:]
            var bad: String?
            try db.prepare("SELECT slo, role, expr FROM kiln_slo_filters ORDER BY slo, role, position").rows { r in
                let name = r.text(0), role = r.text(1), expr = r.text(2)
                guard let filter = try? Filter.parse(expr) else {
                    bad = "SLO \(name): stored filter \"\(expr)\" does not parse"
                    return
                }
                var entry = filters[name] ?? ([], [])
                if role == "good" { entry.good.append(filter) } else { entry.eligible.append(filter) }
                filters[name] = entry
            }
            if let bad { throw StoreError.corrupt(bad) }
            var out: [SLODefinition] = []
            try db.prepare("SELECT name, dataset, target, period_ns, description FROM kiln_slos ORDER BY name").rows { r in
                let name = r.text(0)
                guard let target = SLODecimal(r.text(2)) else {
                    bad = "SLO \(name): stored target \"\(r.text(2))\" is not a number"
                    return
                }
                let entry = filters[name] ?? ([], [])
                out.append(SLODefinition(name: name, dataset: r.text(1), eligible: entry.eligible, good: entry.good,
                                         target: target, period: r.int(3), description: r.text(4)))
            }
            if let bad { throw StoreError.corrupt(bad) }
            return out
        }
    }
}
