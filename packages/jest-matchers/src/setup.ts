// For `setupFilesAfterEnv: ['@leakproof/jest-matchers/setup']` with any test environment.
import { matchers } from './index';

declare const expect: { extend(matchers: object): void };
expect.extend(matchers);
