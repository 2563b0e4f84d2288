import AisleRecommend
import Foundation
import Testing

@Suite struct SplitTests {
    private struct Row: Equatable {
        let user: String
        let item: String
        let timestamp: Double
    }

    private func rows(_ part: [Interaction]) -> [Row] {
        part.map { Row(user: $0.user, item: $0.item, timestamp: $0.timestamp) }
    }

    @Test("the split equals split.py's output row for row", arguments: SplitProtocol.allCases)
    func matchesReference(splitProtocol: SplitProtocol) throws {
        let ours = Split(try Fixtures.slice(), protocol: splitProtocol)
        let reference = try Split(folder: Fixtures.path("split-\(splitProtocol.rawValue)"))
        #expect(rows(ours.train) == rows(reference.train))
        #expect(rows(ours.valid) == rows(reference.valid))
        #expect(rows(ours.test) == rows(reference.test))
    }

    @Test("leave-last-out: a user below 5 interactions stays in train, and a repeated pair keeps its first time")
    func shortUsersAndDuplicates() throws {
        let split = Split(try Fixtures.slice(), protocol: .leaveLastOut)
        #expect(split.train.filter { $0.user == "999" }.count == 3)
        #expect(!split.valid.contains { $0.user == "999" } && !split.test.contains { $0.user == "999" })
        let all = split.train + split.valid + split.test
        #expect(all.filter { $0.user == "1" && $0.item == "1" }.map(\.timestamp) == [874_965_758])
    }

    @Test(
        "malformed log files are rejected with the line",
        arguments: [
            ("", "file is empty"),
            ("user_id\tthing\ttimestamp\n1\t2\t3\n", "needs user, item and timestamp"),
            ("user_id\titem_id\ttimestamp\n1\t2\n", ":2: expected 3 fields"),
            ("user_id\titem_id\ttimestamp\n1\t2\tsoon\n", ":2: timestamp"),
            ("user_id\titem_id\ttimestamp\n1\t\t3\n", ":2: empty user or item"),
            ("user_id\titem_id\ttimestamp\n", "no interactions"),
            ("1\t2\t3\n", "fewer than 4 columns"),
        ]
    )
    func malformed(text: String, fragment: String) throws {
        let path = try Fixtures.temporaryFile(text)
        let error = #expect(throws: EvaluationError.self) { try InteractionFile.read(path) }
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "no error")")
    }

    @Test("a header-less MovieLens u.data file reads as user, item, rating, timestamp")
    func movieLensUData() throws {
        let path = try Fixtures.temporaryFile("196\t242\t3\t881250949\n186\t302\t3\t891717742\n")
        let rows = try InteractionFile.read(path)
        #expect(
            rows == [
                Interaction(user: "196", item: "242", timestamp: 881_250_949),
                Interaction(user: "186", item: "302", timestamp: 891_717_742),
            ]
        )
    }

    @Test("a folder that is not a split.py folder is named in the error")
    func notASplitFolder() throws {
        let path = try Fixtures.temporaryFile("user\titem\n", name: "train.tsv")
        let folder = (path as NSString).deletingLastPathComponent
        #expect(throws: EvaluationError.self) { try Split(folder: folder) }
        #expect(throws: EvaluationError.self) { try Split(folder: folder + "/missing") }
    }
}
