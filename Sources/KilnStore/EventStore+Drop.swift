import KilnCore

extension EventStore {
    /// Removes the dataset `name` and everything it holds (chunks, columns, dictionaries,
    /// fields, markers) in one transaction; returns how many events it held. The pages freed
    /// are reused by later writes; the file itself does not shrink.
    ///
    /// Throws ``StoreError`` `notFound` (naming the datasets there are) when there is no such
    /// dataset.
    /// - Complexity: O(rows of the dataset's chunks, columns and dictionary segments)
    public static func dropDataset(_ name: String, path: String) throws -> Int64 {
        let db: Database
        do {
            db = try Database(path: path, create: false)
        } catch {
            throw StoreError(code: .notFound, message: "\(path): no Kiln store here (run `kiln ingest` or `kiln demo` first)")
        }
        return try db.transaction(immediate: true) {
            var found: (id: Int64, rows: Int64)?
            var known: [String] = []
            try db.prepare("SELECT id, rows, name FROM datasets ORDER BY name").rows { r in
                if r.text(2) == name { found = (r.int(0), r.int(1)) }
                known.append(r.text(2))
            }
            guard let found else { throw StoreError.noSuchDataset(name, known: known) }
            var tables: Set<String> = []
            try db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").rows { tables.insert($0.text(0)) }
            // Later tables are missing from stores no newer writer opened.
            for table in ["chunk_columns", "chunks", "dict_segments", "fields", "markers", "dataset_settings", "deploy_versions", "dropped_names", "segment_kinds"]
            where tables.contains(table) {
                try db.prepare("DELETE FROM \(table) WHERE dataset_id = ?").run(.int(found.id))
            }
            try db.prepare("DELETE FROM datasets WHERE id = ?").run(.int(found.id))
            return found.rows
        }
    }
}
