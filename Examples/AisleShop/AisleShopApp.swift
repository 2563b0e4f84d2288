// AisleShop: a SwiftUI storefront on AisleClient (docs/SDK.md, "The iOS example"). Add these
// files and the AisleClient package product to an iOS 16+ app target in Xcode. They compile
// only for iOS, so the package's Linux build never sees them.
#if canImport(SwiftUI) && os(iOS)
    import AisleClient
    import SwiftUI

    @main
    struct AisleShopApp: App {
        /// One client for the app's lifetime; its queue lives in Application Support.
        @State private var shop = Shop()

        var body: some Scene {
            WindowGroup {
                TabView {
                    NavigationStack { FeedView() }.tabItem { Label("For you", systemImage: "sparkles") }
                    NavigationStack { SearchView() }.tabItem { Label("Search", systemImage: "magnifyingglass") }
                }
                .environment(shop)
            }
        }
    }

    /// The app's connection to Aisle. Put your server's URL and the ingest key (never the admin
    /// key) in the app's configuration.
    @Observable
    final class Shop {
        let client: AisleClient?
        var problem: String?

        init() {
            let url = URL(string: Bundle.main.object(forInfoDictionaryKey: "AisleURL") as? String ?? "")
            let key = Bundle.main.object(forInfoDictionaryKey: "AisleIngestKey") as? String ?? ""
            do {
                guard let url else { throw ClientError.invalid("set AisleURL in Info.plist") }
                var options = ClientOptions()
                options.appVersion = Bundle.main.object(forInfoDictionaryKey: "CFBundleShortVersionString") as? String
                client = try AisleClient(baseURL: url, apiKey: key, options: options)
            } catch {
                client = nil
                problem = "\(error)"
            }
        }

        /// Tracks without ever blocking the UI: `track` only appends to the disk queue.
        func track(_ type: String, _ itemID: String?, _ properties: [String: String] = [:]) {
            guard let client else { return }
            Task.detached { try? await client.track(type: type, itemID: itemID, properties: properties) }
        }
    }
#endif
