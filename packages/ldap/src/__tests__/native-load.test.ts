import { loadErrorMessage } from '../native';

test('a missing libldap at run time is named, with the package the prebuild needs', () => {
  const message = loadErrorMessage('libldap-2.5.so.0: cannot open shared object file: No such file or directory');
  expect(message).toMatch(/needs OpenLDAP's libldap at run time \(libldap-2\.5\.so\.0: cannot open shared object file/);
  expect(message).toMatch(/libldap-2\.5-0/);
  expect(message).toMatch(/npm rebuild @leakproof\/ldap --build-from-source/);
});

test('no build at all says how to build from source in an installed package, not in this repository only', () => {
  const message = loadErrorMessage('No native build was found for platform=linux arch=x64 runtime=node abi=115');
  expect(message).toMatch(/^@leakproof\/ldap: the native addon could not be loaded \(No native build was found/);
  expect(message).toMatch(/npm rebuild @leakproof\/ldap --build-from-source.*"allowScripts": \{ "@leakproof\/ldap": true \}/);
  expect(message).not.toMatch(/build:native/);
});
