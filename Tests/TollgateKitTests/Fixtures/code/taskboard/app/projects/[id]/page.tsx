import { createSupabase } from '@/lib/supabase/server'
import { TaskRow } from '@/components/TaskRow'

export default async function ProjectPage({ params }: { params: { id: string } }) {
  const db = createSupabase()
  const { data: project } = await db
    .from('projects')
    .select(`
      id, name, settings->theme,
      team:teams!inner ( name, slug ),
      tasks (
        id, title, status, priority::text,
        author:profiles!author_id ( username ),
        reviewer:profiles!tasks_reviewer_id_fkey ( username ),
        assignees:profiles!task_assignees ( username, avatar_url ),
        comments ( count )
      )
    `)
    .eq('id', params.id)
    .eq('tasks.status', 'todo')
    .order('priority', { referencedTable: 'tasks', ascending: false })
    .single()
  const valid = /^[a-z0-9-]+$/i.test(project?.team?.slug ?? '') ? 'ok' : 'bad'
  return (
    <main data-valid={valid}>
      <h1>{project?.name}</h1>
      <p>Don't see a task? It's filtered: "todo" only, .from('not_a_table') is prose.</p>
      {project?.tasks.map((task) => <TaskRow key={task.id} task={task} />)}
    </main>
  )
}
