/** The sandbox LMS's demo course: one teacher, several students, one assignment (resource link). */
export interface SandboxUser {
  id: string;
  name: string;
  givenName: string;
  familyName: string;
  email: string;
  role: 'instructor' | 'student' | 'ta' | 'admin';
  locale: string;
}

export const DEMO_COURSE = { id: 'demo-course-5a', title: 'Grade 5 Math (demo)', label: 'MATH-5A' };
/** Resource links of the demo course; custom parameters bind an assignment on first launch, as an LMS placement would. */
export const DEMO_LINKS: { id: string; title: string; custom?: Record<string, string> }[] = [
  { id: 'demo-link-fractions', title: 'Fractions practice', custom: { skills: 'unit-fractions,equivalent-fractions,simplest-form,comparing-fractions,add-like-denominators', threshold: '0.85' } },
  { id: 'demo-link-unconfigured', title: 'New practice (not set up yet)' },
];

export const DEMO_USERS: SandboxUser[] = [
  { id: 'sandbox-teacher-1', name: 'Ms. Rivera', givenName: 'Ana', familyName: 'Rivera', email: 'rivera@demo.school', role: 'instructor', locale: 'en' },
  { id: 'sandbox-ta-1', name: 'Mr. Chen (TA)', givenName: 'Li', familyName: 'Chen', email: 'chen@demo.school', role: 'ta', locale: 'en' },
  { id: 'sandbox-student-1', name: 'Jordan Lee', givenName: 'Jordan', familyName: 'Lee', email: 'jordan@demo.school', role: 'student', locale: 'en' },
  { id: 'sandbox-student-2', name: 'Sofía García', givenName: 'Sofía', familyName: 'García', email: 'sofia@demo.school', role: 'student', locale: 'es' },
  { id: 'sandbox-student-3', name: 'Amir Haddad', givenName: 'Amir', familyName: 'Haddad', email: 'amir@demo.school', role: 'student', locale: 'en' },
  { id: 'sandbox-student-4', name: 'Grace Okafor', givenName: 'Grace', familyName: 'Okafor', email: 'grace@demo.school', role: 'student', locale: 'en' },
];

export const ROLE_URIS: Record<SandboxUser['role'], string[]> = {
  instructor: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor', 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor'],
  ta: ['http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant'],
  student: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner', 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student'],
  admin: ['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator'],
};
