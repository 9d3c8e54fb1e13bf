import ArgumentParser

@main
struct Kiln: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiln",
        abstract: "Explore what your code does in production, from a terminal.",
        discussion: """
        Kiln keeps every raw event in a local SQLite store (any fields, any cardinality), \
        aggregates only when you read, and explains outliers with BubbleUp.

        Start with `kiln demo`, or: kiln ingest app.jsonl && kiln explore
        """,
        version: "0.1.0",
        subcommands: [
            DemoCommand.self, ExploreCommand.self, IngestCommand.self, DatasetsCommand.self, FieldsCommand.self,
            QueryCommand.self, BubbleUpCommand.self, CompareCommand.self, MarkerCommand.self, SLOCommand.self, ServicesCommand.self, ServeCommand.self, GenerateCommand.self, BenchCommand.self,
        ]
    )
}
