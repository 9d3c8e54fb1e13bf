import Foundation
import KilnCore
import Testing
import KilnIngest

/// Flattens a generated tree the way the decoder should: dotted names, arrays as leaves,
/// null and empty objects absent.
private func flatten(_ tree: JSONTree, parent: String?, into out: inout [(String, JSONTree)]) {
    guard case .object(let members) = tree else { return }
    for (key, value) in members {
        let name = parent.map { $0 + "." + key } ?? key
        switch value {
        case .object: flatten(value, parent: name, into: &out)
        case .null: break
        default: out.append((name, value))
        }
    }
}

/// Flattens what JSONSerialization read.
private func flatten(_ object: [String: Any], parent: String?, into out: inout [String: Any]) {
    for (key, value) in object {
        let name = parent.map { $0 + "." + key } ?? key
        if let nested = value as? [String: Any] {
            flatten(nested, parent: name, into: &out)
        } else if !(value is NSNull) {
            out[name] = value
        }
    }
}

/// The value the decoder must produce for a leaf, from the number text itself (strtod is
/// correctly rounded, NSDecimalNumber's doubleValue is not).
private func expected(_ leaf: JSONTree) -> Value? {
    switch leaf {
    case .string(let s): return .string(s)
    case .bool(let b): return .bool(b)
    case .number(let text, let isInteger):
        if isInteger, let i = Int64(text) { return .int(i) }
        return Double(text).map { .float($0) }
    case .array, .object, .null: return nil
    }
}

@Suite struct JSONReferenceTests {
    /// Random objects (nesting, escapes, unicode, big and small numbers, arrays, random
    /// spacing) decode to the same names and values as JSONSerialization reads, in input order.
    @Test(arguments: [1, 2, 3, 4])
    func generatedObjectsMatchJSONSerialization(seed: UInt64) throws {
        var generator = JSONGenerator(random: SeededRandom(seed: seed))
        let noTime = options(timestampField: "no time field here")
        var checkedFields = 0
        for lineIndex in 0..<1500 {
            let tree = generator.object(depth: 1, maxDepth: 6)
            var text = ""
            generator.write(tree, to: &text)
            let batch = IngestDecoder.decodeAll(Array(text.utf8), format: .jsonl, options: noTime)
            guard let event = batch.events.first, batch.rejections.isEmpty, batch.events.count == 1 else {
                Issue.record("line \(lineIndex) was not decoded: \(batch.rejections) -- \(text)")
                continue
            }
            #expect(event.timestamp == testNow)
            var treeFields: [(String, JSONTree)] = []
            flatten(tree, parent: nil, into: &treeFields)
            let reference = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            var referenceFields: [String: Any] = [:]
            flatten(reference, parent: nil, into: &referenceFields)

            #expect(event.fields.map(\.name) == treeFields.map(\.0), "order/names differ for \(text)")
            #expect(Set(event.fields.map(\.name)) == Set(referenceFields.keys), "names differ from JSONSerialization for \(text)")
            for (field, (_, leaf)) in zip(event.fields, treeFields) {
                checkedFields += 1
                let js = referenceFields[field.name]
                switch leaf {
                case .array:
                    guard case .string(let json) = field.value else {
                        Issue.record("array \(field.name) is not JSON text: \(field.value)")
                        continue
                    }
                    let reread = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
                    #expect((reread as? NSArray)?.isEqual(js as? NSArray) == true, "array \(field.name): \(json) vs \(String(describing: js))")
                case .number(_, let isInteger):
                    #expect(field.value == expected(leaf), "number \(field.name) in \(text)")
                    let number = try #require(js as? NSNumber)
                    switch field.value {
                    case .int(let i): #expect(isInteger && number.int64Value == i)
                    case .float(let d): #expect(abs(number.doubleValue - d) <= abs(d) * 1e-15, "\(number) vs \(d)")
                    default: Issue.record("number \(field.name) decoded as \(field.value)")
                    }
                case .string(let s):
                    #expect(field.value == .string(s))
                    #expect(js as? String == s)
                case .bool(let b):
                    #expect(field.value == .bool(b))
                    #expect((js as? NSNumber)?.boolValue == b)
                case .object, .null:
                    Issue.record("unexpected leaf")
                }
            }
        }
        #expect(checkedFields > 5000)
    }

    /// Arrays keep their compact JSON text: spacing removed, strings and numbers as written.
    @Test func arraysBecomeCompactJSONText() {
        let batch = decode(#"{"a": [ 1 , 2.50 , "x y" , [ ] , { "k" : null } , true ], "b": []}"#, .jsonl)
        #expect(batch.events.first?.fields == [
            Field("a", .string(#"[1,2.50,"x y",[],{"k":null},true]"#)),
            Field("b", .string("[]")),
        ])
    }

    /// Escapes decode, including surrogate pairs; an unpaired surrogate becomes U+FFFD.
    @Test func escapesAndSurrogates() {
        let batch = decode(#"{"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\uD83D\uDE00","lone":"x\ud800y","low":"\udc00","pair-key\u0041":1}"#, .jsonl)
        let event = batch.events.first
        #expect(event?["s"] == .string("a\"b\\c/d\u{8}\u{C}\n\r\té😀"))
        #expect(event?["lone"] == .string("x\u{FFFD}y"))
        #expect(event?["low"] == .string("\u{FFFD}"))
        #expect(event?["pair-keyA"] == .int(1))
    }

    /// Integers that fit Int64 are ints; fractions, exponents and bigger integers are floats.
    @Test func numberKinds() {
        let line = #"{"a":0,"b":-0,"c":9223372036854775807,"d":-9223372036854775808,"e":9223372036854775808,"f":1.0,"g":1e2,"h":-1.5E-3,"i":123456789012345678901234567890,"j":1e-400}"#
        let event = decode(line, .jsonl).events.first
        #expect(event?["a"] == .int(0))
        #expect(event?["b"] == .int(0))
        #expect(event?["c"] == .int(.max))
        #expect(event?["d"] == .int(.min))
        #expect(event?["e"] == .float(9_223_372_036_854_775_808))
        #expect(event?["f"] == .float(1))
        #expect(event?["g"] == .float(100))
        #expect(event?["h"] == .float(-0.0015))
        #expect(event?["i"] == .float(1.2345678901234568e29))
        #expect(event?["j"] == .float(0))
    }

    /// Nested objects flatten to dotted names; empty objects and nulls give no field; a later
    /// duplicate wins and a later null removes.
    @Test func flatteningAndDuplicates() {
        let line = #"{"http":{"method":"GET","req":{"path":"/a"}},"e":{},"n":null,"x":1,"x":2,"y":1,"z":3,"y":null,"":{"k":1},"h":{"":2}}"#
        let event = decode(line, .jsonl).events.first
        #expect(event?.fields == [
            Field("http.method", .string("GET")),
            Field("http.req.path", .string("/a")),
            Field("x", .int(2)),
            Field("z", .int(3)),
            Field(".k", .int(1)),
            Field("h.", .int(2)),
        ])
    }
}
