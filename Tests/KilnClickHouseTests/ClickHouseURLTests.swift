import Testing
@testable import KilnClickHouse

@Suite struct ClickHouseURLTests {
    @Test func parsesEveryPart() throws {
        let url = try ClickHouseURL.parse("clickhouse://ch.example:8124/kiln?cluster=prod&user=alice&password=s%3Dcret")
        #expect(url.host == "ch.example")
        #expect(url.port == 8124)
        #expect(url.database == "kiln")
        #expect(url.cluster == "prod")
        #expect(url.user == "alice")
        #expect(url.password == "s=cret")
    }

    @Test func defaultsToPort8123AndOneServer() throws {
        let url = try ClickHouseURL.parse("clickhouse://localhost/events")
        #expect(url.port == 8123)
        #expect(url.cluster == nil)
    }

    @Test func descriptionNeverShowsThePassword() throws {
        let url = try ClickHouseURL.parse("clickhouse://h:1/d?user=u&password=hunter2")
        #expect(!url.description.contains("hunter2"))
        #expect(url.description == "clickhouse://h:1/d?user=u&password=***")
    }

    @Test(arguments: [
        ("clickhouse://h:99999/d", "port"),
        ("clickhouse://h:1", "DATABASE"),
        ("clickhouse://h:1/d?colour=red", "unknown parameter"),
        ("clickhouse://u:hunter2@h:1/d", "?user=U&password=P"),
        ("clickhouse://h:1/d-b", "database name"),
    ])
    func refusesBadURLsSayingWhy(text: String, reason: String) {
        #expect {
            try ClickHouseURL.parse(text)
        } throws: { error in
            let message = "\(error)"
            return message.contains(reason) && !message.contains("hunter2")
        }
    }

    @Test func tsvArraysUnescape() {
        #expect(TSV.array(#"['a\'b','c\\d','tab\there']"#) == ["a'b", #"c\d"#, "tab\there"])
        #expect(TSV.array("[1,-2,3.5]") == ["1", "-2", "3.5"])
        #expect(TSV.array("[]") == [])
    }
}
