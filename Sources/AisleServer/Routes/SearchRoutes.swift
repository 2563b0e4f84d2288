import AisleCore
import AisleSearch
import Foundation
import Hummingbird

/// `GET /v1/search`: the catalog's lexical search (docs/SEARCH.md).
struct SearchRoutes {
    let engine: SearchEngine

    func register(reads group: RouterGroup<AisleRequestContext>) {
        group.get("search", use: search)
    }

    @Sendable func search(request: Request, context: AisleRequestContext) async throws -> Response {
        let text = request.uri.queryParameters.get("q") ?? ""
        guard text.utf8.count <= 1024 else {
            throw AisleError.invalid("q", "q may be at most 1024 UTF-8 bytes, got \(text.utf8.count)")
        }
        var query = SearchQuery(text: text)
        query.category = request.queryString("category")
        query.brand = request.queryString("brand")
        query.minimumPrice = try Self.price(request, "min_price")
        query.maximumPrice = try Self.price(request, "max_price")
        query.inStockOnly = try request.queryBool("in_stock", default: false)
        if let sort = request.queryString("sort") {
            guard let value = SearchSort(rawValue: sort) else {
                throw AisleError.invalid(
                    "sort",
                    "sort is \(SearchSort.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(sort.prefix(32))\""
                )
            }
            query.sort = value
        }
        query.limit = try request.queryInt("limit", default: 20, in: 1...100)
        query.offset = try request.queryString("cursor").map { try Cursor.offset($0, below: Self.maximumDepth) } ?? 0
        query.explain = try request.queryBool("explain", default: false)
        if text.isEmpty && query.category == nil && query.brand == nil && query.minimumPrice == nil
            && query.maximumPrice == nil
        {
            throw AisleError.invalid(
                "q",
                "give q (the query) or at least one filter (category, brand, min_price, max_price)"
            )
        }
        let results = engine.search(query)
        let end = query.offset + query.limit
        let next = end < min(results.total, Self.maximumDepth) ? Cursor.encode(offset: end) : nil
        return JSONResponse.encoded(
            SearchResultsBody(
                data: results.hits.map {
                    SearchResultsBody.Hit(
                        itemID: $0.itemID.rawValue,
                        score: (Double($0.score) * 10_000).rounded() / 10_000,
                        matches: query.explain ? $0.matches : nil
                    )
                },
                total: results.total,
                corrections: results.interpretation,
                nextCursor: next
            )
        )
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
