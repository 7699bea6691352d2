export function TaskRow<T extends { id: number; title: string }>({ task }: { task: T }) {
  const ratio = task.id / 2 / 3
  const pattern = /\.from\('tasks'\)/g
  return <div title={`${task.title}`}>{pattern.source} {ratio}</div>
}
