/// Sizes of the two groups.
struct GroupTotals: Sendable {
    var selWeight: Int64
    var baseWeight: Int64
    var selRows: Int64
    var baseRows: Int64
}

/// Scope totals and side counts per bucket, read as selection and baseline counts.
struct SplitCounts {
    let total: CodeCounter.Counts
    let side: CodeCounter.Counts
    let sideIsSelection: Bool

    /// Calls `body` with a view over raw buffers (no array bounds checks in the scans).
    func withView<R>(_ body: (SplitView) -> R) -> R {
        total.raw.withUnsafeBufferPointer { tr in
            side.raw.withUnsafeBufferPointer { sr in
                (total.weighted ?? []).withUnsafeBufferPointer { tw in
                    (side.weighted ?? []).withUnsafeBufferPointer { sw in
                        body(SplitView(totalRaw: tr, totalWeight: total.weighted == nil ? nil : tw, sideRaw: sr,
                                       sideWeight: side.weighted == nil ? nil : sw, sideIsSelection: sideIsSelection))
                    }
                }
            }
        }
    }
}

/// Selection and baseline counts of one bucket from scope totals minus the counted side.
struct SplitView {
    let totalRaw: UnsafeBufferPointer<UInt32>
    let totalWeight: UnsafeBufferPointer<Int64>?
    let sideRaw: UnsafeBufferPointer<UInt32>
    let sideWeight: UnsafeBufferPointer<Int64>?
    let sideIsSelection: Bool

    @inline(__always) private func sideCount(_ i: Int) -> (w: Int64, r: Int64) {
        let r = Int64(sideRaw[i])
        if let sideWeight { return (sideWeight[i], r) }
        return (r, r)
    }

    @inline(__always) private func otherCount(_ i: Int) -> (w: Int64, r: Int64) {
        let r = Int64(totalRaw[i])
        let s = sideCount(i)
        if let totalWeight { return (totalWeight[i] - s.w, r - s.r) }
        return (r - s.r, r - s.r)
    }

    /// Weighted and raw selection count of bucket `i`.
    @inline(__always) func selection(_ i: Int) -> (w: Int64, r: Int64) { sideIsSelection ? sideCount(i) : otherCount(i) }
    /// Weighted and raw baseline count of bucket `i`.
    @inline(__always) func baseline(_ i: Int) -> (w: Int64, r: Int64) { sideIsSelection ? otherCount(i) : sideCount(i) }
}
