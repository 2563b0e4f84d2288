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
