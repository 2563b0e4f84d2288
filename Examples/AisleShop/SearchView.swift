#if canImport(SwiftUI) && os(iOS)
    import AisleClient
    import SwiftUI

    /// Search as you type, re-ranked for the shopper; each search and click is tracked.
    struct SearchView: View {
        @Environment(Shop.self) private var shop
        @State private var query = ""
        @State private var page: SearchPage?

        var body: some View {
            List(page?.hits ?? [], id: \.itemID) { hit in
                NavigationLink(hit.itemID) { ProductView(itemID: hit.itemID) }
                    .simultaneousGesture(TapGesture().onEnded { shop.track("click", hit.itemID, ["query": query]) })
            }
            .searchable(text: $query)
            .navigationTitle("Search")
            .task(id: query) {
                guard !query.isEmpty, let client = shop.client else { return }
                try? await Task.sleep(for: .milliseconds(250))  // debounce typing
                guard !Task.isCancelled else { return }
                page = try? await client.search(query, limit: 20)
                shop.track("search", nil, ["query": query])
            }
        }
    }
#endif
