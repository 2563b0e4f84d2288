public import AisleCore
import Foundation

extension ReviewSummary {
    /// Aspects listed per side (pros, cons).
    public static let aspectsPerSide = 5

    /// Snippets longer than this many characters are cut at a word or character boundary.
    static let snippetCharacters = 80

    /// Sums up `reviews` of `item`: counts, mean score, ratings, the aspects praised and
    /// criticised by the most reviews (each with the clearest short clause saying so) and the
    /// mean score per `period`.
    public static func summarize(
        _ reviews: [Review],
        item: ItemID,
        period: Period = .month,
        aspectsPerSide: Int = aspectsPerSide
    ) -> ReviewSummary {
        var polarityCounts: [ReviewAnalysis.Polarity: Int] = [:]
        var ratingCounts: [Int: Int] = [:]
        var scoreSum: Float = 0
        var tallies: [Aspect: AspectCounts] = [:]
        var buckets: [Int64: (count: Int, sum: Float)] = [:]
        var scored = 0
        for review in reviews {
            let analysis = review.analysis
            if let rating = review.rating { ratingCounts[rating, default: 0] += 1 }
            // A review in a language Aisle does not read makes no sentiment claim: it counts as a
            // review and a rating, never as a polarity, a score or a trend point.
            guard analysis.polarity.isClaim else { continue }
            polarityCounts[analysis.polarity, default: 0] += 1
            scoreSum += analysis.score
            scored += 1
            // One vote per review and aspect and direction, however often it repeats itself.
            var mentioned = Set<Aspect>()
            var voted = Set<[String]>()
            for mention in analysis.aspects
            where voted.insert([mention.aspect.rawValue, mention.polarity.rawValue]).inserted {
                tallies[mention.aspect, default: AspectCounts()].add(
                    mention,
                    review: review.id,
                    firstMention: mentioned.insert(mention.aspect).inserted
                )
            }
            if let created = review.createdAt {
                let start = Self.periodStart(created, period: period)
                buckets[start, default: (0, 0)].count += 1
                buckets[start, default: (0, 0)].sum += analysis.score
            }
        }
        func side(_ polarity: ReviewAnalysis.Polarity) -> [AspectTally] {
            tallies.compactMap { aspect, counts -> AspectTally? in
                guard let best = counts.best[polarity], let count = counts.count[polarity], count > 0 else {
                    return nil
                }
                return AspectTally(
                    aspect: aspect,
                    count: count,
                    mentions: counts.mentions,
                    snippet: best.span,
                    reviewID: best.review
                )
            }
            .sorted { ($0.count, $1.aspect.rawValue) > ($1.count, $0.aspect.rawValue) }
            .prefix(aspectsPerSide)
            .map { $0 }
        }
        return ReviewSummary(
            itemID: item,
            count: reviews.count,
            meanScore: scored == 0 ? 0 : scoreSum / Float(scored),
            polarityCounts: polarityCounts,
            ratingCounts: ratingCounts,
            pros: side(.positive),
            cons: side(.negative),
            period: period,
            trend: buckets.keys.sorted().map { start in
                let bucket = buckets[start] ?? (0, 0)
                return TrendPoint(
                    start: Timestamp(millisecondsSinceEpoch: start),
                    count: bucket.count,
                    meanScore: bucket.sum / Float(max(bucket.count, 1))
                )
            }
        )
    }

    /// The first millisecond (UTC) of the week (Monday) or month holding `time`.
    static func periodStart(_ time: Timestamp, period: Period) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        calendar.firstWeekday = 2
        let date = Date(timeIntervalSince1970: Double(time.millisecondsSinceEpoch) / 1000)
        let interval = calendar.dateInterval(of: period == .month ? .month : .weekOfYear, for: date)
        return Int64(((interval?.start ?? date).timeIntervalSince1970 * 1000).rounded())
    }

    /// One aspect's votes, and per direction the clause that makes the best snippet.
    struct AspectCounts {
        var mentions = 0
        var count: [ReviewAnalysis.Polarity: Int] = [:]
        var best: [ReviewAnalysis.Polarity: (span: String, review: ReviewID, strength: Float)] = [:]

        mutating func add(_ mention: ReviewAnalysis.AspectSentiment, review: ReviewID, firstMention: Bool) {
            if firstMention { mentions += 1 }
            count[mention.polarity, default: 0] += 1
            let span = ReviewSummary.snippet(mention.span)
            // The strongest clause wins; short ones are preferred, since they read at a glance.
            let strength = abs(mention.score) - (span.count > 40 ? 0.25 : 0)
            if let current = best[mention.polarity], current.strength >= strength { return }
            best[mention.polarity] = (span, review, strength)
        }
    }

    /// `span` cut to `snippetCharacters`, at a space when there is one near the end, with "…".
    static func snippet(_ span: String) -> String {
        let trimmed = span.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count > snippetCharacters else { return trimmed }
        var cut = String(trimmed.prefix(snippetCharacters))
        if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) > snippetCharacters / 2 {
            cut = String(cut[..<space])
        }
        return cut + "…"
    }
}
