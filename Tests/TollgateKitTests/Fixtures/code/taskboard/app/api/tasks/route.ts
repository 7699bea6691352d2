import { NextResponse } from 'next/server'
import { createSupabase } from '@/lib/supabase/server'

export async function POST(request: Request) {
  const supabase = createSupabase()
  const body = await request.json()
  const { data, error } = await supabase
    .from('tasks')
    .insert([
      { project_id: body.projectId, title: body.title, author_id: body.me },
      {
        project_id: body.projectId,
        title: `${body.title} (follow-up)`,
        author_id: body.me,
        priority: 1,
      },
    ])
    .select('id')
  if (error) return NextResponse.json({ error: error.message }, { status: 400 })
  await supabase
    .from('notifications')
    .upsert(
      { profile_id: body.me, kind: 'task_created', payload: { ids: data.map((t) => t.id) } },
      { onConflict: 'profile_id,kind' },
    )
  return NextResponse.json(data)
}

export async function PATCH(request: Request) {
  const supabase = createSupabase()
  const body = await request.json()
  await supabase
    .from('tasks')
    .update({ status: body.status, reviewer_id: body.reviewer })
    .match({ id: body.id, project_id: body.projectId })
  return new NextResponse(null, { status: 204 })
}

export async function DELETE(request: Request) {
  const { searchParams } = new URL(request.url)
  await createSupabase().from('comments').delete().eq('id', Number(searchParams.get('id')))
  return new NextResponse(null, { status: 204 })
}

export async function GET(request: Request) {
  const supabase = createSupabase()
  const q = new URL(request.url).searchParams.get('q') ?? ''
  const { data } = await supabase.rpc('search_tasks', { p_query: q, p_limit: 10 })
  const { data: recent } = await supabase
    .from('projects')
    .select('id, name, tasks(id, title)')
    .or('status.eq.todo,priority.gt.2', { referencedTable: 'tasks' })
    .order('created_at', { ascending: false })
  return NextResponse.json({ data, recent })
}
