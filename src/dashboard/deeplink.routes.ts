import express, { type Router } from 'express';
import { languageOf, translator } from '../i18n/index.js';
import { actorOf, requireSession } from '../lti/session.middleware.js';
import type { SessionTokens } from '../lti/session.js';
import type { PlatformRegistry } from '../lti/registry.js';
import type { ToolKeys } from '../lti/keys.js';
import { signDeepLinkingResponse } from '../lti/deep-linking.js';
import type { PracticeService } from '../practice/practice.service.js';
import { setupSchema } from '../assignments/assignment.schema.js';
import { forbidden } from '../http/errors.js';
import { z } from 'zod';
import { validate } from '../http/validate.js';

/**
 * Deep Linking 2.0 for instructors: the LMS asks the tool for content; the instructor picks the skills,
 * title, points, mastery threshold and per-skill columns; the tool answers with a signed resource link
 * (custom parameters carry the settings) and its line item.
 */
export function deepLinkRoutes(deps: { sessions: SessionTokens; practice: PracticeService; registry: PlatformRegistry; toolKeys: ToolKeys; publicUrl: string }): Router {
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 300 });
  const staff = requireSession(deps.sessions, 'instructor', 'admin');
  const titleSchema = z.string().trim().min(1, 'Give the activity a title.').max(200, 'The title is too long (200 characters at most).');
  // The title's problems first, then the settings'; an invalid form shows the page again with them.
  const chosen = validate({ body: z.object({ title: titleSchema }).and(setupSchema) }, { invalid: (message, _req, res) => page(res, message, 400) });

  const page = async (res: express.Response, error: string | null = null, status = 200) => {
    const actor = actorOf(res);
    if (!actor.deepLinking) throw forbidden('This page is only for adding the activity from your LMS (deep linking).');
    const t = translator(actor.locale);
    // The course's packs (its own, the shared and the built-in ones); the first is preselected, none is hard-wired.
    const { packs } = await deps.practice.assignments.setupOptions(actor.tenantId, undefined, actor.contextId ?? null);
    res.status(status).render('dashboard/deep-link', {
      title: t('deep_link.title'), t, lang: languageOf(actor.locale), ltik: res.locals.ltik, actor, error,
      defaultTitle: actor.deepLinking.title ?? t('deep_link.default_title'),
      packs,
    });
  };

  r.get('/deep-link', staff, async (_req, res) => {
    await page(res);
  });

  r.post('/deep-link', form, staff, chosen, async (_req, res) => {
    const actor = actorOf(res);
    if (!actor.deepLinking) throw forbidden('This page is only for adding the activity from your LMS (deep linking).');
    const s = chosen.input(res).body;
    const choice = await deps.practice.assignments.packChoice(actor.tenantId, s.pack, undefined, { courseId: actor.contextId ?? null, skills: s.skills });
    deps.practice.assignments.checkSkills(choice.chosen, s.skills);
    const { pack } = choice.chosen;
    const jwt = await signDeepLinkingResponse({
      actor,
      platform: await deps.registry.get(actor.platformId),
      key: await deps.toolKeys.signingKey(),
      items: [
        {
          title: s.title,
          text: `Adaptive practice: ${s.skills.map((id) => pack.skills.find((k) => k.id === id)?.name ?? id).join(', ')}`,
          url: `${deps.publicUrl}/lti/launch`,
          custom: {
            pack: pack.pack.id,
            skills: [...new Set(s.skills)].join(','),
            threshold: String(s.threshold),
            target: String(s.target),
            points: String(s.points),
            allow_choice: s.allow_choice ? '1' : '0',
            per_skill: s.per_skill ? '1' : '0',
          },
          lineItem: { scoreMaximum: s.points, label: s.title, resourceId: 'mastery', tag: 'mastery-grade' },
        },
      ],
      message: `Added "${s.title}".`,
    });
    res.setHeader('Cache-Control', 'no-store');
    res.render('lti/form-post', { title: 'Returning to your LMS…', action: actor.deepLinking.returnUrl, fields: { JWT: jwt } });
  });
  return r;
}
