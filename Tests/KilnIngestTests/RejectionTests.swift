import Foundation
import KilnCore
import KilnIngest
import Testing

@Suite struct RejectionTests {
    /// One bad line among good ones: the bad line is rejected with its number and a reason
    /// naming what and where; the good lines around it still decode.
    @Test(arguments: [
        (#"{"method":"GET","status" 200}"#, #"expected ':' after key "status" (column 26)"#),
        (#"{"a":1 "b":2}"#, #"expected ',' or '}' after the value of "a", found '"' (column 8)"#),
        (#"{"a":{"b":1 x}}"#, #"expected ',' or '}' after the value of "a.b", found 'x' (column 13)"#),
        (#"{"a":1,}"#, "expected a key in quotes, found '}' (column 8)"),
        (#"{"a":}"#, #"expected a value for key "a", found '}' (column 6)"#),
        (#"{"a":tru}"#, "invalid literal, expected 'true' (column 6)"),
        (#"{"a":01}"#, "invalid number: expected a digit, found '1' (column 7)"),
        (#"{"a":-}"#, "invalid number: expected a digit, found '}' (column 7)"),
        (#"{"a":1.}"#, "invalid number: expected a digit, found '}' (column 8)"),
        (#"{"a":1e400}"#, "number out of range: 1e400 (column 6)"),
        (#"{"a":[1,-1e400]}"#, "number out of range: -1e400 (column 9)"),
        (#"{"a":"x"#, "unterminated string starting at column 6"),
        (#"{"a":"\q"}"#, #"invalid escape '\q' in a string (column 7)"#),
        (#"{"a":"\u12G4"}"#, #"invalid \u escape: expected four hex digits (column 7)"#),
        ("{\"a\":\"tab\there\"}", "control character U+09 inside a string (write it as an escape) (column 10)"),
        (#"{"a":1} x"#, "unexpected 'x' after the end of the object (column 9)"),
        (#"{"a":1"#, #"expected ',' or '}' after the value of "a", found the end of the line (column 7)"#),
        (#"[1,2]"#, "expected a JSON object at the top level, found an array"),
        (#""text""#, "expected a JSON object at the top level, found a string"),
        ("42", "expected a JSON object at the top level, found a number"),
        ("null", "expected a JSON object at the top level, found null"),
        ("hello", "expected a JSON object at the top level, found 'h'"),
        (#"{"a":[1,2}"#, "expected ',' or ']', found '}' (column 10)"),
    ])
    func malformedJSON(line: String, reason: String) {
        let input = "{\"ok\":1}\n\n" + line + "\r\n{\"ok\":2}\n"
        let batch = decode(input, .jsonl)
        #expect(batch.rejections == [Rejection(line: 3, reason: reason)])
        #expect(batch.events.map { $0["ok"] } == [.int(1), .int(2)])
    }

    /// Invalid UTF-8 anywhere in a line rejects it, naming the column.
    @Test func invalidUTF8() {
        let cases: [([UInt8], String)] = [
            (Array(#"{"a":""#.utf8) + [0xFF] + Array(#""}"#.utf8), "invalid UTF-8 (column 7)"),
            (Array(#"{"a":"ok"#.utf8) + [0xC3] + Array(#""}"#.utf8), "invalid UTF-8 (column 9)"),
            (Array(#"{"a":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8), "invalid UTF-8 (column 7)"),
            (Array(#"{"a":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8), "invalid UTF-8 (column 7)"),
            (Array(#"{"k"#.utf8) + [0xF5, 0x80, 0x80, 0x80] + Array(#"":1}"#.utf8), "invalid UTF-8 (column 4)"),
            (Array(#"{"a":[""#.utf8) + [0x80] + Array(#""]}"#.utf8), "invalid UTF-8 (column 8)"),
            ([UInt8(ascii: "{")] + [0xFF] + Array("}".utf8), "expected a key in quotes, found byte 0xFF (column 2)"),
        ]
        for (bytes, reason) in cases {
            let input = Array("{\"ok\":1}\n".utf8) + bytes + [0x0A] + Array("{\"ok\":2}".utf8)
            let batch = IngestDecoder.decodeAll(input, format: .jsonl, options: options())
            #expect(batch.rejections == [Rejection(line: 2, reason: reason)])
            #expect(batch.events.count == 2)
        }
        let text = Array("a=1\nb=".utf8) + [0xFE] + Array("\nc=3\n".utf8)
        let logfmt = IngestDecoder.decodeAll(text, format: .logfmt, options: options())
        #expect(logfmt.rejections == [Rejection(line: 2, reason: "invalid UTF-8 (column 3)")])
        let csv = IngestDecoder.decodeAll(Array("a,b\n1,".utf8) + [0xE2, 0x82] + Array("\n3,4\n".utf8), format: .csv, options: options())
        #expect(csv.rejections == [Rejection(line: 2, reason: "invalid UTF-8 (column 3)")])
        #expect(csv.events.count == 1)
    }

    /// Nesting of objects and arrays up to 64 levels is accepted, 65 is rejected.
    @Test func nestingDepth() {
        func nested(_ levels: Int, array: Bool) -> String {
            // The top-level object is level 1; `levels - 1` more containers inside it.
            let open = array ? "[" : "{\"k\":"
            let close = array ? "]" : "}"
            return "{\"k\":" + String(repeating: open, count: levels - 2) + (array ? "[1]" : "{\"x\":1}")
                + String(repeating: close, count: levels - 2) + "}"
        }
        for array in [false, true] {
            let ok = decode(nested(64, array: array), .jsonl)
            #expect(ok.events.count == 1 && ok.rejections.isEmpty, "64 levels, array: \(array)")
            let deep = decode(nested(65, array: array), .jsonl)
            #expect(deep.events.isEmpty)
            #expect(deep.rejections.first?.reason.hasPrefix("nesting deeper than 64 levels (column ") == true, "\(deep.rejections)")
        }
        let hostile = decode("{\"a\":" + String(repeating: "[", count: 100_000), .jsonl)
        #expect(hostile.rejections.first?.reason == "nesting deeper than 64 levels (column 69)")
        let hostileObject = decode(String(repeating: "{\"a\":", count: 100_000), .jsonl)
        #expect(hostileObject.rejections.first?.reason.hasPrefix("nesting deeper than 64 levels") == true)
    }

    /// A CSV row with more cells than the header is rejected; fewer cells are fine.
    @Test func csvTooManyCells() {
        let batch = decode("a,b,c\n1,2,3\n1,2,3,4\n\n1,2\n1,2,3,\n", .csv)
        #expect(batch.rejections == [
            Rejection(line: 3, reason: "row has 4 cells but the header has 3 columns"),
            Rejection(line: 6, reason: "row has 4 cells but the header has 3 columns"),
        ])
        #expect(batch.events.count == 2)
        let unterminated = decode("a,b\n1,\"open\n2,3\n", .csv)
        #expect(unterminated.rejections == [Rejection(line: 2, reason: "unterminated quoted cell at the end of the input")])
    }

    /// Logfmt and access-log lines name their problem too.
    @Test func logfmtAndAccessLogReasons() {
        let logfmt = decode("a=1\n=x\nmsg=\"open\nk=\"v\"x\nke\"y=1\nb=2\n", .logfmt)
        #expect(logfmt.rejections == [
            Rejection(line: 2, reason: "expected a key before '=' (column 1)"),
            Rejection(line: 3, reason: "unterminated quoted value of key \"msg\" starting (column 5)"),
            Rejection(line: 4, reason: "expected a space after the quoted value of key \"k\", found 'x' (column 6)"),
            Rejection(line: 5, reason: "unexpected '\"' inside key \"ke\" (column 3)"),
        ])
        #expect(logfmt.events.count == 2)
        let access = decode(
            "1.2.3.4 - - 10/Oct/2000 \"GET / HTTP/1.0\" 200 1\n1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" abc 1\n1.2.3.4 - - [x] \"GET /",
            .combined)
        #expect(access.rejections == [
            Rejection(line: 1, reason: "not an access-log line: expected '[' before the time, found '1' (column 13)"),
            Rejection(line: 2, reason: "expected a status code, found \"abc\" (column 59)"),
            Rejection(line: 3, reason: "not an access-log line: unterminated quoted request, found the end of the line (column 23)"),
        ])
    }
}
