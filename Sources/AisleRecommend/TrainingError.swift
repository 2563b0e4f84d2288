/// Why a model could not be trained. The trainer logs it and serves without that model.
public enum TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The catalog is larger than the model handles.
    case catalogTooLarge(model: ModelKind, items: Int, limit: Int)
    /// There is nothing to learn from.
    case noInteractions
    /// Item content given for another catalog.
    case contentMismatch(items: Int, content: Int)
    /// A model to continue from of another catalog or network, or with content folded in.
    case incompatibleStart

    public var description: String {
        switch self {
        case .catalogTooLarge(let model, let items, let limit):
            "\(model) handles at most \(limit) items; the catalog has \(items)"
        case .noInteractions:
            "the log has no interactions with catalog items"
        case .incompatibleStart:
            "the model to continue from has another catalog or network, or item content folded in"
        case .contentMismatch(let items, let content):
            "item content covers \(content) items; the catalog has \(items)"
        }
    }
}
