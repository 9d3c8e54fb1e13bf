import Foundation
import Testing
import KilnCore
@testable import KilnStore

/// Automatic deploy markers, written by ``StoreWriter/commit()`` for every writer.
@Suite struct DeployMarkerTests {
    static func event(_ t: Int64, _ service: String?, _ version: String?) -> Event {
        var fields: [Field] = [Field("duration_ms", .int(3))]
        if let service { fields.append(Field("service.name", .string(service))) }
        if let version { fields.append(Field("service.version", .string(version))) }
        return Event(timestamp: t * 1_000_000_000, fields: fields)
    }

    static func markers(_ path: String) throws -> [Marker] {
        try StoreReader(path: path).markers(dataset: "d")
    }

    @Test func aNewVersionIsMarkedAtItsFirstEvent() throws {
        let store = TempStore()
        let writer = try StoreWriter(path: store.path, dataset: "d", now: 0)
        writer.append([Self.event(100, "api", "1.0"), Self.event(101, "web", "7")])
        try writer.commit()
        #expect(try Self.markers(store.path).isEmpty, "the first version of a service is the start of the data")
        writer.append([Self.event(200, "api", "1.1"), Self.event(150, "api", "1.1"), Self.event(160, "api", "1.0"), Self.event(170, nil, "x")])
        try writer.commit()
        var markers = try Self.markers(store.path)
        #expect(markers.map(\.message) == ["api 1.1"])
        #expect(markers.first?.start == 150_000_000_000)
        #expect(markers.first?.automatic == true)
        #expect(markers.first?.type == "deploy")
        // Events of 1.1 arriving late move its marker back; a second writer (a server beside
        // an ingest) sees what the first recorded.
        let other = try StoreWriter(path: store.path, dataset: "d", now: 0)
        other.append([Self.event(120, "api", "1.1"), Self.event(300, "web", "8")])
        try other.commit()
        markers = try Self.markers(store.path)
        #expect(markers.map(\.message) == ["api 1.1", "web 8"])
        #expect(markers.first?.start == 120_000_000_000)
        // A removed marker stays removed: the version is known.
        let id = try #require(markers.last?.id)
        #expect(try StoreWriter.removeMarker(id: id, path: store.path))
        writer.append([Self.event(400, "web", "8")])
        try writer.commit()
        #expect(try Self.markers(store.path).map(\.message) == ["api 1.1"])
    }

    @Test func manualMarkersKeepTheirFlag() throws {
        let store = TempStore()
        let id = try StoreWriter.addMarker(Marker(start: 5, message: "by hand", type: "note"), dataset: "d", path: store.path, now: 0)
        let markers = try Self.markers(store.path)
        #expect(markers == [Marker(start: 5, message: "by hand", type: "note", id: id, automatic: false)])
        #expect(try !StoreWriter.removeMarker(id: id + 1, path: store.path))
    }
}
