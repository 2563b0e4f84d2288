import AisleCore
import AisleEngine
import Foundation
import Hummingbird

/// Search (docs/SEARCH.md): `GET /v1/search`, `GET /v1/autocomplete`, and for the admin the
/// zero-result queries and the synonym rules. This reads parameters; the engine picks the
/// mode, embeds the query and re-ranks for the shopper.
struct SearchRoutes {
    let engine: Engine
    let configuration: AisleConfiguration

    func register(reads group: RouterGroup<AisleRequestContext>) {
        group.get("search", use: search)
        group.get("autocomplete", use: autocomplete)
    }

    func register(admin group: RouterGroup<AisleRequestContext>) {
        group.get("search/zero-results", use: zeroResults)
        group.get("search/synonyms", use: synonyms)
        group.put("search/synonyms", use: setSynonyms)
    }

    @Sendable func search(request: Request, context: AisleRequestContext) async throws -> Response {
        let text = try Self.queryText(request)
        var query = SearchQuery(text: text)
        query.category = request.queryString("category")
        query.brand = request.queryString("brand")
        query.minimumPrice = try Self.price(request, "min_price")
        query.maximumPrice = try Self.price(request, "max_price")
        query.inStockOnly = try request.queryBool("in_stock", default: false)
        for (key, value) in request.queryPairs where key.hasPrefix("attr.") {
            let name = String(key.dropFirst(5))
            guard !name.isEmpty, query.attributes.count < 20 else {
                throw AisleError.invalid(String(key), "attribute filters are attr.NAME=value, at most 20")
            }
            query.attributes[name] = String(value)
        }
        if let sort = request.queryString("sort") {
            query.sort = try Self.choice(sort, of: SearchSort.self, field: "sort")
        }
        query.limit = try request.queryInt("limit", default: 20, in: 1...100)
        query.offset = try request.queryString("cursor").map { try Cursor.offset($0, below: Self.maximumDepth) } ?? 0
        query.explain = try request.queryBool("explain", default: false)
        // Only a first page is a search; the next pages are the same one.
        query.record = try request.queryBool("record", default: true) && query.offset == 0
        if let facets = request.queryString("facets") {
            query.facets = Set(
                try facets.split(separator: ",").map {
                    try Self.choice(String($0), of: SearchFacet.self, field: "facets")
                }
            )
        }
        if text.isEmpty && !query.hasFilters {
            throw AisleError.invalid(
                "q",
                "give q (the query) or at least one filter (category, brand, min_price, max_price, attr.NAME)"
            )
        }
        let mode = try request.queryString("mode").map { try Self.choice($0, of: SearchMode.self, field: "mode") }
        let shopper = try ShopperParameters.shopper(
            user: request.queryString("user_id"),
            device: request.queryString("device_id")
        )
        // With required user tokens, a user's re-ranking is a personal read like their feed.
        if case .user(let user) = shopper, context.userTokenMode == .required {
            _ = try context.mayReadPersonalData(of: user)
        }
        let answer = try await engine.search(
            query,
            mode: mode,
            shopper: shopper,
            experiment: try RecommendationRoutes.experiment(request)
        )
        let results = answer.results
        let end = query.offset + query.limit
        let next = end < min(results.total, Self.maximumDepth) ? Cursor.encode(offset: end) : nil
        var body = SearchResultsBody(
            results,
            mode: answer.mode,
            facets: query.facets,
            explain: query.explain,
            nextCursor: next
        )
        body.experiment = answer.experiment.map(AssignmentBody.init)
        return JSONResponse.encoded(body)
    }

    @Sendable func autocomplete(request: Request, context: AisleRequestContext) async throws -> Response {
        let text = try Self.queryText(request)
        guard !text.isEmpty else { throw AisleError.invalid("q", "q is the text typed so far") }
        let limit = try request.queryInt("limit", default: 8, in: 1...20)
        return JSONResponse.encoded(AutocompleteBody(engine.autocomplete(text, limit: limit)))
    }

    @Sendable func zeroResults(request: Request, context: AisleRequestContext) async throws -> Response {
        let limit = try request.queryInt("limit", default: 50, in: 1...1_000)
        return JSONResponse.encoded(ZeroResultsBody(engine.zeroResultQueries(limit: limit)))
    }

    @Sendable func synonyms(request: Request, context: AisleRequestContext) async throws -> Response {
        JSONResponse.encoded(SynonymsBody(rules: engine.synonyms))
    }

    /// Replaces the whole rule set: checked first, then stored, then used.
    @Sendable func setSynonyms(request: Request, context: AisleRequestContext) async throws -> Response {
        var request = request
        let body = try await request.decodeBody(SynonymsBody.self, maxBytes: configuration.server.maxBodyBytes)
        try await engine.setSynonyms(body.rules)
        // What this request stored (a concurrent, later write may already be in force).
        return JSONResponse.encoded(SynonymsBody(rules: body.rules))
    }

    static func queryText(_ request: Request) throws -> String {
        // Blank text is no text (a trailing space is kept: it marks the last word as finished).
        let given = request.queryValue("q") ?? ""
        let text = given.allSatisfy(\.isWhitespace) ? "" : given
        guard text.utf8.count <= 1024 else {
            throw AisleError.invalid("q", "q may be at most 1024 UTF-8 bytes, got \(text.utf8.count)")
        }
        return text
    }

    static func choice<Choice: RawRepresentable & CaseIterable>(_ text: String, of type: Choice.Type, field: String)
        throws -> Choice where Choice.RawValue == String
    {
        guard let value = Choice(rawValue: text) else {
            throw AisleError.invalid(
                field,
                "\(field) is one of \(Choice.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text.prefix(32))\""
            )
        }
        return value
    }

    static func price(_ request: Request, _ name: String) throws -> Double? {
        guard let text = request.queryString(name) else { return nil }
        guard let value = Double(text), value.isFinite, value >= 0 else {
            throw AisleError.invalid(name, "\(name) is a number of at least 0, got \"\(text.prefix(32))\"")
        }
        return value
    }

    /// The deepest a result list goes: cursors name positions below it.
    static let maximumDepth = 10_000
}
