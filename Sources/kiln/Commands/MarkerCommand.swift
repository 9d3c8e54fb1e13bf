import ArgumentParser
import KilnCore
import KilnStore

struct MarkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "marker",
        abstract: "Add, list and remove markers (deploys and the like) drawn on the explorer's time axis.",
        discussion: """
        Kiln also records deploy markers by itself: when a new value of the version field \
        (service.version unless set with `kiln marker version-field`) first appears for a \
        service.name, a marker "SERVICE VERSION" flagged as automatic is added at the time of \
        its first event, whether the events come from ingest, follow or serve.
        """,
        subcommands: [Add.self, List.self, Remove.self, VersionField.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add a marker; prints its id.",
            discussion: "Example: kiln marker add --dataset shop --type deploy --url https://ci/1234 'checkout 8.5.0'")

        @OptionGroup var store: StoreOptions
        @Option(help: "Dataset the marker belongs to (created when missing).") var dataset: String
        @Option(help: "Kind of marker.") var type: String = "deploy"
        @Option(help: ArgumentHelp("When (RFC 3339 or epoch; default now).", valueName: "time")) var time: String?
        @Option(help: ArgumentHelp("End, for a marker that spans time.", valueName: "time")) var end: String?
        @Option(help: "A link, e.g. to the deploy's pipeline.") var url: String?
        @Argument(help: "The marker's text.") var message: String

        func validate() throws {
            if let time, Timestamp.parse(time) == nil { throw ValidationError("--time: \"\(time)\" is neither RFC 3339, a date (YYYY-MM-DD) nor an epoch time") }
            if let end, Timestamp.parse(end) == nil { throw ValidationError("--end: \"\(end)\" is neither RFC 3339, a date (YYYY-MM-DD) nor an epoch time") }
            if let end = end.flatMap(Timestamp.parse), end < (time.flatMap(Timestamp.parse) ?? Clock.nowNanos()) {
                throw ValidationError("--end is before the marker's time")
            }
        }

        func run() throws {
            let now = Clock.nowNanos()
            let metadata = try store.metadata(command: "marker add")
            let marker = Marker(start: time.flatMap(Timestamp.parse) ?? now, end: end.flatMap(Timestamp.parse), message: message,
                                type: type, url: url)
            do {
                print(try metadata.addMarker(marker, dataset: dataset, now: now))
            } catch {
                printError("kiln marker add: \(error)")
                throw ExitCode(2)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List a dataset's markers in time order.",
            discussion: """
            JSON form: {"markers":[{"id":3,"time":"RFC3339","end":null,"type":"deploy","message":"checkout 8.5.0","url":null,"automatic":true}]}
            """)

        @OptionGroup var store: StoreOptions
        @Option(help: "Dataset.") var dataset: String
        @Option(help: "Output format.") var format: ListFormat = .table

        func run() throws {
            let backend = try store.backend(command: "marker list")
            let markers: [Marker]
            do { markers = try backend.markers(dataset: dataset) } catch {
                printError("kiln marker list: \(error)")
                throw ExitCode(2)
            }
            switch format {
            case .json:
                var out = "{\"markers\":["
                for (i, m) in markers.enumerated() {
                    if i > 0 { out += "," }
                    out += "{\"id\":\(m.id ?? 0),\"time\":\"\(Timestamp.format(m.start))\",\"end\":"
                    out += m.end.map { "\"\(Timestamp.format($0))\"" } ?? "null"
                    out += ",\"type\":"
                    JSONText.appendString(m.type, to: &out)
                    out += ",\"message\":"
                    JSONText.appendString(m.message, to: &out)
                    out += ",\"url\":"
                    if let url = m.url { JSONText.appendString(url, to: &out) } else { out += "null" }
                    out += ",\"automatic\":\(m.automatic)}"
                }
                print(out + "]}")
            case .table:
                if markers.isEmpty {
                    print("no markers in \(Sanitize.line(dataset))")
                    return
                }
                let idWidth = max(2, markers.map { String($0.id ?? 0).count }.max() ?? 0)
                let typeWidth = max(4, markers.map { Sanitize.line($0.type).count }.max() ?? 0)
                print(Text.pad("ID", idWidth, right: true) + "  TIME                  " + Text.pad("TYPE", typeWidth) + "  AUTO  MESSAGE")
                for m in markers {
                    var line = Text.pad(String(m.id ?? 0), idWidth, right: true) + "  " + Text.pad(Timestamp.format(m.start, fractionDigits: 0), 20)
                        + "  " + Text.pad(Sanitize.line(m.type), typeWidth) + "  " + (m.automatic ? "yes " : "no  ") + "  " + Sanitize.line(m.message)
                    if let url = m.url { line += "  " + Sanitize.line(url) }
                    print(line)
                }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a marker by its id.",
                                                        discussion: "Example: kiln marker rm 3")

        @OptionGroup var store: StoreOptions
        @Argument(help: "The marker's id (see `kiln marker list`).") var id: Int64

        func run() throws {
            let metadata = try store.metadata(command: "marker rm")
            let removed: Bool
            do { removed = try metadata.removeMarker(id: id) } catch {
                printError("kiln marker rm: \(error)")
                throw ExitCode(2)
            }
            guard removed else {
                printError("kiln marker rm: no marker with id \(id) in \(store.dbForDisplay)")
                throw ExitCode(2)
            }
        }
    }

    struct VersionField: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "version-field", abstract: "Show or set the field whose new values mark deploys in a dataset.",
            discussion: """
            The default is service.version. Versions already in the dataset are learnt without \
            markers; only values that appear afterwards are marked.

            Example: kiln marker version-field --dataset shop app.build
            """)

        @OptionGroup var store: StoreOptions
        @Option(help: "Dataset.") var dataset: String
        @Argument(help: "The new version field; omit to show the current one.") var field: String?

        func run() throws {
            do {
                if let field {
                    try store.metadata(command: "marker version-field").setVersionField(field, dataset: dataset, now: Clock.nowNanos())
                } else {
                    print(Sanitize.line(try store.backend(command: "marker version-field").versionField(dataset: dataset)))
                }
            } catch let error as ExitCode {
                throw error
            } catch {
                printError("kiln marker version-field: \(error)")
                throw ExitCode(2)
            }
        }
    }
}
