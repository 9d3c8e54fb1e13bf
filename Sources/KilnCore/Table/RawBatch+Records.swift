extension RawBatch {
    /// A batch's records as buffers, for loops over every record that must not pay an
    /// array access check per record (the store's writer codes millions).
    public struct Records {
        /// Per row, the index of its first record; one extra entry closes the last row.
        public let rowStarts: UnsafeBufferPointer<Int>
        public let names: UnsafeBufferPointer<UInt32>
        public let kinds: UnsafeBufferPointer<UInt8>
        public let payloads: UnsafeBufferPointer<UInt64>
        /// String bytes that payloads of kind string point into.
        public let bytes: UnsafeBufferPointer<UInt8>

        /// The records of row `row`.
        @inline(__always)
        public func of(row: Int) -> Range<Int> { rowStarts[row]..<rowStarts[row + 1] }
    }

    /// Runs `body` with the batch's records as buffers, valid during the call only.
    public func withRecords<R>(_ body: (Records) throws -> R) rethrows -> R {
        try rowStarts.withUnsafeBufferPointer { rowStarts in
            try recordNames.withUnsafeBufferPointer { names in
                try recordKinds.withUnsafeBufferPointer { kinds in
                    try recordPayloads.withUnsafeBufferPointer { payloads in
                        try bytes.withUnsafeBufferPointer { bytes in
                            try body(Records(rowStarts: rowStarts, names: names, kinds: kinds, payloads: payloads, bytes: bytes))
                        }
                    }
                }
            }
        }
    }
}
