public import Hummingbird

/// The per-request context: Hummingbird's core storage plus the scope of the caller's key,
/// set by `KeyAuthMiddleware`, for routes whose rules differ by key (identify).
public struct AisleRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The scope of the key that authenticated the request; nil on routes that need no key.
    public var keyScope: KeyScope?

    public init(source: Source) {
        coreContext = .init(source: source)
        keyScope = nil
    }
}
