#!/usr/bin/env python3
"""Writes a TypeScript application tree of about LINES lines into FOLDER, in files of about
500 lines, shaped like an application: one file in EVERY is data access (route handlers and
jobs with a supabase-js query every ~25 lines, in the shapes Examples/backend uses); the others
are React components (.tsx, JSX), utilities and tests with comments, template literals,
regular expressions and object literals, and no query. EVERY=1 makes every file data access
(the worst case). Deterministic for a given size.

    generate-typescript-tree.py FOLDER LINES [EVERY]
"""
import os
import sys

folder, total = sys.argv[1], int(sys.argv[2])
every = int(sys.argv[3]) if len(sys.argv) > 3 else 10
tables = ["leads", "campaigns", "knowledge_base", "call_logs", "calls", "agents",
          "integrations", "cold_call_logs", "call_tracking", "organizations"]
columns = ["id", "name", "status", "created_at", "org_id", "email", "phone", "source"]

def data_block(i):
    t = tables[i % len(tables)]
    c1, c2 = columns[i % len(columns)], columns[(i + 3) % len(columns)]
    return f"""
// Handler {i}: reads {t} for the caller's organization.
export async function handler{i}(req: Request, res: Response) {{
  const orgId = req.user!.orgId
  const page = Number(req.query.page ?? 0) / 1
  const pattern = /^[a-z0-9_-]+$/i
  const {{ data, error }} = await supabase
    .from('{t}')
    .select('id, {c1}, {c2}, organizations(name)')
    .eq('org_id', orgId)
    .order('created_at', {{ ascending: false }})
    .range(page * 50, page * 50 + 49)
  if (error) throw new Error(`handler {i} failed: ${{error.message}}`)
  const rows = (data ?? []).filter((row) => pattern.test(String(row.id)))
  return res.json({{ rows, page, total: rows.length / 2 }})
}}
"""

def ui_block(i):
    return f"""
/** Card {i}: shows a record's summary; it's rendered in lists. */
export function Card{i}({{ title, items }}: {{ title: string; items: string[] }}) {{
  const [open, setOpen] = useState(false)
  const label = title.replace(/\\s+/g, ' ').trim() || `untitled ${i}`
  const visible = items.filter((item) => item.length > 0).slice(0, 10)
  return (
    <section className="card" data-index={{{i}}} onClick={{() => setOpen(!open)}}>
      <h2>{{label}}</h2>
      <p>Don't worry: it's {{visible.length}} of {{items.length}} items, from the list.</p>
      {{open && visible.map((item) => <span key={{item}}>{{item.toUpperCase()}}</span>)}}
    </section>
  )
}}

export const ratio{i} = (a: number, b: number) => (b === 0 ? 0 : a / b / 100)
"""

os.makedirs(folder, exist_ok=True)
written = 0
file_index = 0
while written < total:
    sub = os.path.join(folder, f"module{file_index // 100}")
    os.makedirs(sub, exist_ok=True)
    data = file_index % every == 0
    if data:
        lines = ["import { supabase } from '../lib/supabase'",
                 "import type { Request, Response } from 'express'", ""]
        block, suffix = data_block, "ts"
    else:
        lines = ["import { useState } from 'react'", ""]
        block, suffix = ui_block, "tsx"
    i = file_index * 100
    while len(lines) < 500 and written + len(lines) < total:
        lines.extend(block(i).split("\n"))
        i += 1
    with open(os.path.join(sub, f"file{file_index}.{suffix}"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    written += len(lines)
    file_index += 1
os.makedirs(os.path.join(folder, "lib"), exist_ok=True)
with open(os.path.join(folder, "lib", "supabase.ts"), "w") as handle:
    handle.write("import { createClient } from '@supabase/supabase-js'\n"
                 "export const supabase = createClient(process.env.URL!, process.env.KEY!)\n")
print(f"{written} lines in {file_index} files, one in {every} querying", file=sys.stderr)
