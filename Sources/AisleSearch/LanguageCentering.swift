import AisleCore

/// Language centering for a multilingual text model: a vector minus a share of its language's
/// mean vector, normalised again. multilingual-e5-small puts a text nearer others of its own
/// language than the same thing said in another (a query and items in its language: 0.81 on
/// average, across languages 0.78), so an English query ranks unrelated English titles above
/// the Chinese title it asks for. Removing each language's mean takes most of that language
/// signal out (docs/SEARCH.md, "The text model search uses": cross-language hit@3 0.46 → 0.88).
///
/// Two scripts are told apart, by the text: Chinese, Japanese or Korean (any CJK character),
/// and everything else. Item vectors are centred by their title's script, query vectors by the
/// query's, both with the mean of item titles (passages) in that script.
public struct LanguageCentering: Sendable, Equatable {
    /// The mean passage vector of titles in CJK scripts and in the others.
    public var cjkMean: [Float]
    public var otherMean: [Float]
    /// How much of the mean is taken out (0.75 was best on the validation set).
    public var share: Float

    public init(cjkMean: [Float], otherMean: [Float], share: Float) {
        self.cjkMean = cjkMean
        self.otherMean = otherMean
        self.share = share
    }

    /// `vector` centred for a text of `text`'s script, unit length again (unchanged when the
    /// dimensions differ from the means' or the result would be zero).
    public func centred(_ vector: [Float], text: String) -> [Float] {
        let mean = text.unicodeScalars.contains(where: SearchAnalyzer.isCJK) ? cjkMean : otherMean
        guard mean.count == vector.count else { return vector }
        var result = vector
        var norm: Float = 0
        for index in result.indices {
            result[index] -= share * mean[index]
            norm += result[index] * result[index]
        }
        guard norm > 1e-12 else { return vector }
        let inverse = 1 / norm.squareRoot()
        for index in result.indices { result[index] *= inverse }
        return result
    }
}

/// With a multilingual model (`SearchTuning.languageCentering` set), the semantic candidates
/// split by script — CJK titles and the others — each with its own nearest similarity: a query
/// is nearer texts of its own script, so a margin below the overall nearest would drop the right
/// item in the other script. Without one, a single group (everything as before).
struct ScriptGroups {
    private var queryIsCJK = false
    private var cjkSlots: Set<Int32> = []
    private var nearestCJK: Float?
    private var nearestOther: Float?
    private let active: Bool
    private let overall: Float?

    init(query: SearchQuery, semantic: [(slot: Int32, score: Float)], index: SearchIndex, tuning: SearchTuning) {
        active = tuning.languageCentering != nil
        overall = semantic.first?.score
        guard active else { return }
        queryIsCJK = query.text.unicodeScalars.contains(where: SearchAnalyzer.isCJK)
        for (slot, score) in semantic {
            if index.title(of: slot).unicodeScalars.contains(where: SearchAnalyzer.isCJK) {
                cjkSlots.insert(slot)
                nearestCJK = max(nearestCJK ?? score, score)
            } else {
                nearestOther = max(nearestOther ?? score, score)
            }
        }
    }

    /// The nearest similarity among candidates of `slot`'s script.
    func nearest(of slot: Int32) -> Float? {
        guard active else { return overall }
        return cjkSlots.contains(slot) ? nearestCJK : nearestOther
    }

    /// Whether `slot`'s title is in another script than the query.
    func isCrossScript(_ slot: Int32) -> Bool {
        active && cjkSlots.contains(slot) != queryIsCJK
    }
}
