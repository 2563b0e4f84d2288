#if canImport(SwiftUI) && os(iOS)
    import AisleClient
    import SwiftUI

    /// The home feed; offline it shows the last feed with its age.
    struct FeedView: View {
        @Environment(Shop.self) private var shop
        @State private var items: [Recommendation] = []
        @State private var note: String?

        var body: some View {
            List(items, id: \.itemID) { item in
                NavigationLink(item.itemID) { ProductView(itemID: item.itemID) }
            }
            .overlay { if let note { Text(note).font(.footnote).foregroundStyle(.secondary) } }
            .navigationTitle("For you")
            .task { await load() }
            .refreshable { await load() }
        }

        private func load() async {
            guard let client = shop.client else { return note = shop.problem }
            do {
                items = try await client.recommendations(limit: 20)
                note = nil
            } catch {
                if let cached = client.cachedFeed {
                    items = cached.items
                    note = "Offline: from \(Int(cached.age / 60)) min ago"
                } else {
                    note = "Offline"
                }
            }
        }
    }

    /// A product page: tracks the view, shows similar items.
    struct ProductView: View {
        @Environment(Shop.self) private var shop
        let itemID: String
        @State private var similar: [Recommendation] = []

        var body: some View {
            List {
                Section { Button("Add to cart") { shop.track("add_to_cart", itemID, ["value": "1"]) } }
                Section("Similar") {
                    ForEach(similar, id: \.itemID) { item in
                        NavigationLink(item.itemID) { ProductView(itemID: item.itemID) }
                    }
                }
            }
            .navigationTitle(itemID)
            .task {
                shop.track("view", itemID)
                similar = (try? await shop.client?.similar(to: itemID, limit: 10)) ?? []
            }
        }
    }
#endif
