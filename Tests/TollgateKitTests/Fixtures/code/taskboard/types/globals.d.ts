// Declarations are not code: never read.
declare const db: { from(table: 'declared_only'): { select(columns: string): unknown } }
