public import AisleCore

/// The engine's tunable weights (docs/SEARCH.md explains each and how they were tuned).
public struct SearchTuning: Sendable, Equatable {
    /// Share of the semantic part in hybrid relevance (the lexical part has the rest).
    public var semanticWeight: Float = 0.15
    /// Similarity mapped to 0 when the semantic part is scaled for fusion (the nearest item's
    /// maps to 1); the semantic list holds nothing below it.
    public var semanticFloor: Float = 0.2
    /// Similarity an item found by meaning alone (no word matched) needs to be a result, in
    /// hybrid and semantic modes: below it, the nearest items of a query the catalog cannot
    /// answer (`snorkel` in a clothing shop) are unrelated. Per model
    /// (`SemanticCalibration`, `calibrate(forModel:)`); the threshold and margin default to
    /// all-MiniLM-L6-v2's.
    public var semanticThreshold: Float = 0.27
    /// How far below the query's nearest item a meaning-only match may be.
    public var semanticMargin: Float = 0.15
    /// Whether queries with Chinese, Japanese or Korean text may match by meaning alone (false
    /// for an English model, whose similarities for them are noise).
    public var semanticReadsCJK = true
    /// For a multilingual model, each language's mean taken out of item and query vectors
    /// (`LanguageCentering`); nil for models that need none.
    public var languageCentering: LanguageCentering?
    /// With a multilingual model, the similarity an item found by meaning alone in semantic
    /// mode needs when its title is in another script than the query (nil:
    /// `semanticThreshold`): across scripts the similarities run lower.
    public var crossScriptThreshold: Float?
    /// Weight of a function word (`for`, `the`, 的, 了: `FunctionWords`) against other query
    /// words (1): they hold a query together but say little of what is wanted.
    public var functionWordWeight: Float = 0.7
    /// How many of the nearest items the semantic list holds.
    public var semanticDepth = 100
    /// Up to this many item vectors the nearest are found by an exact scan; beyond, by an HNSW
    /// graph (approximate).
    public var exactSearchLimit = 200_000
    /// Beam width (ef) of HNSW searches.
    public var graphSearchBeam = 200
    /// Build the HNSW graph on its own thread from a copy of the vectors (searches scan exactly
    /// until it is in place); false builds it inside the call that crosses the limit.
    public var buildsGraphInBackground = true
    /// The largest personal boost (a fraction of relevance).
    public var personalWeight: Float = 0.15
    /// The largest boost from clicks after the same query.
    public var clickWeight: Float = 0.2
    /// Clicks at which the click boost reaches its cap.
    public var clickSaturation = 20
    /// Distinct shoppers (user or device ids) whose search for a query must have found
    /// something before autocomplete suggests it to everyone: one shopper, or a few, can
    /// neither plant a suggestion nor have their own words shown to strangers.
    public var suggestionMinimumShoppers = 5

    public init() {}
}
