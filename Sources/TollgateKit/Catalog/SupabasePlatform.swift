/// What Supabase itself puts in a database, so that checks tell the platform's objects from
/// the application's by what they are, not by who owns them: a restored dump, plain
/// PostgreSQL with an auth emulation or a self-hosted setup may give them any owner.
public enum SupabasePlatform {
    /// The functions Supabase Auth's own migrations create in `auth`, by signature: `uid()`,
    /// `role()` and `email()` from its first migrations, `jwt()` since 2022
    /// (`20220531120530_add_auth_jwt_function`).
    ///
    /// Every RLS policy that reads the JWT calls them, so no advice may ever be to drop one.
    public static let authFunctions: Set<String> = [
        "auth.uid()", "auth.role()", "auth.email()", "auth.jwt()",
    ]

    /// Whether `function` is one of the platform's own.
    public static func defines(_ function: Function) -> Bool {
        authFunctions.contains(function.signature)
    }
}
