import express, { type NextFunction, type Request, type Response } from 'express'
import { supabase } from './lib/supabase.js'
import { requireAuth } from './middleware/auth.js'
import { leadsRouter } from './routes/leads.js'
import { campaignsRouter } from './routes/campaigns.js'
import { callsRouter } from './routes/calls.js'
import { founderConsoleRouter } from './routes/founder-console-v2.js'
import { startRecordingQueueWorker } from './jobs/recording-queue-worker.js'
import { scheduleOrphanRecordingCleanup } from './jobs/orphan-recording-cleanup.js'

const app = express()
app.use(express.json({ limit: '1mb' }))

/*
 * The health check answers only when the database can serve this code: it reads the
 * organizations table that the multi-tenant model introduced.
 */
app.get('/health', async (_req: Request, res: Response) => {
  const started = Date.now()
  const { error } = await supabase
    .from('organizations')
    .select('id', { count: 'exact', head: true })
    .limit(1)
  if (error) {
    res.status(503).json({ status: 'degraded', database: error.message })
    return
  }
  res.json({ status: 'ok', database: 'ok', latencyMs: Date.now() - started })
})

app.use('/api/leads', requireAuth, leadsRouter)
app.use('/api/campaigns', requireAuth, campaignsRouter)
app.use('/api/calls', requireAuth, callsRouter)
app.use('/api/founder-console', requireAuth, founderConsoleRouter)

app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
  console.error(error)
  res.status(500).json({ error: 'internal error' })
})

const port = Number(process.env.PORT ?? 3001)
app.listen(port, () => {
  console.log(`backend listening on :${port}`)
  startRecordingQueueWorker()
  scheduleOrphanRecordingCleanup()
})
