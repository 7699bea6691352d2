import type { NextFunction, Request, Response } from 'express'
import { DEFAULT_ORG_ID, supabase } from '../lib/supabase.js'

export interface AuthUser {
  id: string
  email?: string
  orgId: string
}

declare global {
  namespace Express {
    interface Request {
      user?: AuthUser
    }
  }
}

/**
 * Reads the user from the bearer token. The organization comes from the JWT's app_metadata
 * (which users cannot edit); a token issued before org_id was written there falls back to
 * the organizations table.
 */
export async function requireAuth(req: Request, res: Response, next: NextFunction) {
  const token = req.headers.authorization?.replace(/^Bearer\s+/i, '')
  if (!token) {
    res.status(401).json({ error: 'missing bearer token' })
    return
  }
  const { data, error } = await supabase.auth.getUser(token)
  if (error || !data.user) {
    res.status(401).json({ error: 'invalid token' })
    return
  }
  const claimed = data.user.app_metadata?.org_id as string | undefined
  const orgId = claimed ?? (await fallbackOrganization(data.user.id))
  if (!orgId) {
    res.status(403).json({ error: 'no organization for this user' })
    return
  }
  if (!(await organizationIsActive(orgId))) {
    res.status(403).json({ error: 'organization suspended' })
    return
  }
  req.user = { id: data.user.id, email: data.user.email, orgId }
  next()
}

/** Before Day 3 wrote org_id into app_metadata: the default organization, if it exists. */
async function fallbackOrganization(userId: string): Promise<string | null> {
  const { data } = await supabase
    .from('organizations')
    .select('id, status')
    .eq('id', DEFAULT_ORG_ID)
    .maybeSingle()
  console.warn(`user ${userId} has no org_id in app_metadata; using ${data?.id ?? 'none'}`)
  return data?.id ?? null
}

async function organizationIsActive(orgId: string): Promise<boolean> {
  const { data, error } = await supabase
    .from('organizations')
    .select(`
      id,
      status,
      updated_at
    `)
    .eq('id', orgId)
    .single()
  return !error && data?.status === 'active'
}
