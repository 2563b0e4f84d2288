import AisleCore
import Foundation

/// Reads a file, turns each line into a validated value, and writes batches to a sink. Parsing
/// the next batch overlaps with writing the current one, so both cores work.
struct Importer {
    let reader: LineReader
    let rejects: RejectsFile
    let batchSize: Int
    var progress: Progress

    struct Summary {
        var rows = 0
        var stored = 0
        var duplicates = 0
        var notTracked = 0
        var unknownItems = 0
        var rejected = 0
        var seconds = 0.0
    }

    struct Chunk<Value: Sendable>: Sendable {
        var values: [Value] = []
        var lines: [Int] = []
        var failures: [(line: Int, error: AisleError, text: ArraySlice<UInt8>)] = []
        var rows = 0
    }

    mutating func run<Value: Sendable>(
        parse: @escaping @Sendable (ArraySlice<UInt8>) throws(AisleError) -> Value,
        write: @escaping @Sendable ([Value]) async throws -> SinkOutcome
    ) async throws -> Summary {
        var summary = Summary()
        func startParsing(_ lines: [LineReader.Line]) -> Task<Chunk<Value>, Never>? {
            guard !lines.isEmpty else { return nil }
            return Task {
                var chunk = Chunk<Value>()
                chunk.values.reserveCapacity(lines.count)
                for line in lines where !line.bytes.allSatisfy({ $0 == 32 || $0 == 9 }) {
                    chunk.rows += 1
                    do throws(AisleError) {
                        chunk.values.append(try parse(line.bytes))
                        chunk.lines.append(line.number)
                    } catch {
                        chunk.failures.append((line.number, error, line.bytes))
                    }
                }
                return chunk
            }
        }
        var parsing = startParsing(try reader.next(batchSize))
        while let task = parsing {
            let chunk = await task.value
            // The write runs while this task reads and parses the next chunk: reading lines
            // before the write started left the writer idle for it.
            let writing = chunk.values.isEmpty ? nil : Task { try await write(chunk.values) }
            do {
                parsing = startParsing(try reader.next(batchSize))
            } catch {
                _ = try? await writing?.value
                throw error
            }
            let outcome = try await writing?.value
            summary.rows += chunk.rows
            for failure in chunk.failures {
                try rejects.add(line: failure.line, error: failure.error, text: failure.text)
            }
            if let outcome {
                summary.stored += outcome.stored
                summary.duplicates += outcome.duplicates
                summary.notTracked += outcome.notTracked
                summary.unknownItems += outcome.unknownItems
                for (index, error) in outcome.rejected where index < chunk.lines.count {
                    try rejects.add(line: chunk.lines[index], error: error, text: [])
                }
            }
            progress.update(rows: summary.rows, bytes: reader.bytesRead)
        }
        progress.finish()
        rejects.close()
        summary.rejected = rejects.count
        summary.seconds = progress.elapsedSeconds
        return summary
    }
}
