import ArgumentParser

@main
struct Aisle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aisle",
        abstract: "A self-hosted AI engine for online stores.",
        subcommands: [
            ServeCommand.self, ImportCommand.self, TrainCommand.self, EvalCommand.self, RecommendBatchCommand.self,
            TrainSentimentCommand.self, TrainIntentsCommand.self, AnalyzeReviewCommand.self, EmbedCommand.self,
            DemoCommand.self, KeysCommand.self, ExportCommand.self, MigrateCommand.self,
            SynthCommand.self,
        ]
    )
}
