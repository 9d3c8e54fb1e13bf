/// BubbleUp: which fields are distributed differently in a selection than in the rest of the
/// scope (the baseline), and which value combinations single the selection out.
///
/// ```swift
/// let prepared = BubbleUp.prepare(table, scope: Scope(from: t0, to: t1))   // once per scope
/// let result = prepared.run(selection: [try Filter.parse("duration_ms >= 800")])
/// print(result.table(width: 80)); print(result.json())
/// ```
///
/// **Counting.** Every value of every field is counted exactly in both groups, weighted by
/// sample rate; absent is a value of its own (`null`). Per-value totals of the scope are
/// counted once by ``prepare(_:scope:options:)``; each run counts only the smaller side
/// (the selection, or the rest of the scope when the selection is wider than half) and gets
/// the other as totals minus counts. Fields are counted in parallel.
///
/// **Buckets.** A field whose values in scope are all finite numbers, with more than
/// ``BubbleUpOptions/numericThreshold`` distinct values, is `numeric`: binned with
/// ``NumericBins`` (log bins for skewed data), the same bins for both groups and for every run.
/// Integer fields that are nearly unique in scope (distinct/present above
/// ``BubbleUpOptions/idLikeRatio``) or named like ids (`user.id`, `user_id`, `userId`) are
/// not binned, so that they can be ID-like or show one heavy value.
/// Other fields (strings, booleans, status codes) are `categorical`: the
/// ``BubbleUpOptions/topValues`` values with the largest difference of shares, absent (`null`)
/// whenever present, and the rest as "other (N values)".
///
/// **Score.** For each value v: pS(v) = its share of the selection, pB(v) = its share of the
/// baseline; score = max |pS(v) − pB(v)| over values with minimum support (at least
/// ``BubbleUpOptions/minSupport`` raw events on the side where its share is larger), the
/// measure of Grafana's and HyperDX's comparisons. A heavy value of a high-cardinality field
/// (one tenant taking 40% of the selection) therefore scores 0.4 whatever the other thousands
/// of values do. The p-value is a G-test over the buckets shown, on raw counts; a field is
/// noise when p ≥ ``BubbleUpOptions/significance`` or no value has support.
///
/// **ID-like fields.** A field whose events nearly all have distinct values in both groups
/// (distinct/present > ``BubbleUpOptions/idLikeRatio``, with support in each) says nothing by
/// its values and goes to `id_like` instead of `dimensions`. One heavy value breaks that
/// condition, so such a field ranks normally.
///
/// **Combinations.** Candidates are single values (of categorical, non-ID, non-selected
/// fields, absent included) over-represented in the selection: pS > pB, support, coverage
/// pS ≥ ``BubbleUpOptions/minCoverage`` and risk ratio ≥ ``BubbleUpOptions/minRiskRatio``;
/// the best 16 by pS − pB (at most 4 per field). Every pair and triple of them from different
/// fields is counted exactly in both groups. A combination is reported when it has support,
/// coverage and risk ratio and its pS − pB beats every part of it (each value, each pair) by at
/// least 0.01; ranked by pS − pB, then risk ratio. Risk ratio = pS / pB (a MacroBase-style
/// ratio of the shares; a baseline count of 0 counts as 0.5 event).
///
/// Ties are broken by field name and value, so a run is deterministic.
public enum BubbleUp {
    /// Counts the scope once so that many selections can be compared against it.
    /// - Complexity: O(rows in scope × fields), in parallel over fields.
    public static func prepare(_ table: EventTable, scope: Scope = Scope(), options: BubbleUpOptions = BubbleUpOptions()) -> PreparedBubbleUp {
        PreparedBubbleUp(table: table, scope: scope, scopeRows: scope.rows(in: table), options: options)
    }

    /// Prepares a scope given as rows of `table` (for callers that already hold them).
    public static func prepare(_ table: EventTable, scopeRows: RowSet, options: BubbleUpOptions = BubbleUpOptions()) -> PreparedBubbleUp {
        PreparedBubbleUp(table: table, scope: Scope(), scopeRows: scopeRows.limited(to: table.count), options: options)
    }

    /// Prepares and runs once.
    public static func run(_ table: EventTable, scope: Scope = Scope(), selection: [Filter],
                           options: BubbleUpOptions = BubbleUpOptions()) -> BubbleUpResult {
        // One run: numeric fields count through their code → bucket map instead of first
        // writing every row's bucket.
        PreparedBubbleUp(table: table, scope: scope, scopeRows: scope.rows(in: table), options: options, repeated: false).run(selection: selection)
    }
}
