/// How many values of each kind a dictionary segment holds, kept beside the segment.
///
/// A reader needs a field's kind counts to choose how to hold its dictionary (strings can be
/// read on demand, see ``DeferredValues``), but not the values themselves. Without this table
/// it read every segment's `kinds` (one byte per value): 11 MB for a week of span ids, read to
/// answer about two hours. A row belongs to the segment with rowid `segment` of the same
/// dataset and field, and is used only when its counts add up to the segment's; segments
/// without one (written by earlier versions) are tallied from their bytes.
enum SegmentKinds {
    static func insertStatement(_ db: Database) throws -> Statement {
        try db.prepare("INSERT OR REPLACE INTO segment_kinds(segment, dataset_id, field_id, strings, ints, floats, bools) VALUES (?,?,?,?,?,?,?)")
    }

    /// Records the kind counts of the segment just written with rowid `segment`.
    static func record(_ kinds: [UInt8], segment: Int64, datasetID: Int64, field: Int64, using insert: Statement) throws {
        guard let tally = kinds.withUnsafeBytes({ StoreReader.tallyKinds($0) }) else { throw StoreError.corrupt("dictionary segment with an unknown kind") }
        try insert.run(.int(segment), .int(datasetID), .int(field), .int(Int64(tally[1])), .int(Int64(tally[2])), .int(Int64(tally[3])), .int(Int64(tally[4])))
    }

    /// Whether the store has the table (stores no newer writer opened lack it).
    static func present(_ db: Database) throws -> Bool {
        try db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'segment_kinds'").scalarInt() != nil
    }

    /// Records the kind counts of every segment lacking them: once, when a writer first opens a
    /// store made by an earlier version (a pass over the segments' kind bytes).
    static func backfill(_ db: Database) throws {
        try db.transaction(immediate: true) {
            let insert = try insertStatement(db)
            try db.prepare("""
                SELECT s.rowid, s.dataset_id, s.field_id, s.kinds FROM dict_segments s
                WHERE NOT EXISTS (SELECT 1 FROM segment_kinds k WHERE k.segment = s.rowid)
                """).rows { r in
                let tally = r.withBlob(3) { StoreReader.tallyKinds($0) }
                guard let tally else { return } // left to the readers' own check
                try insert.run(.int(r.int(0)), .int(r.int(1)), .int(r.int(2)), .int(Int64(tally[1])), .int(Int64(tally[2])),
                               .int(Int64(tally[3])), .int(Int64(tally[4])))
            }
        }
    }
}
