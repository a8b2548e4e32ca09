/*
 * torture.h - `stalefs torture MNT`: a self-checking filesystem under load.
 * The daemon abuses its own buffers while clients verify every byte.
 */
#ifndef SFS_TORTURE_H
#define SFS_TORTURE_H

int tt_main(int argc, char **argv);

#endif
