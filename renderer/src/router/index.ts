import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'

import {
  SearchOutline,
  ImagesOutline,
  AddCircleOutline,
  FolderOpenOutline,
  ListOutline,
  AnalyticsOutline,
  SpeedometerOutline,
  KeyOutline,
  SettingsOutline,
} from '@vicons/ionicons5'

/** Every view DESIGN.md names, in navigation order. */
export const VIEWS = [
  { name: 'search', icon: SearchOutline },
  { name: 'gallery', icon: ImagesOutline },
  { name: 'add', icon: AddCircleOutline },
  { name: 'folders', icon: FolderOpenOutline },
  { name: 'tasks', icon: ListOutline },
  { name: 'quality', icon: AnalyticsOutline },
  { name: 'instance', icon: SpeedometerOutline },
  { name: 'profiles', icon: KeyOutline },
  { name: 'settings', icon: SettingsOutline },
] as const
export type ViewName = (typeof VIEWS)[number]['name']

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/search' },
  { path: '/search', name: 'search', component: () => import('@renderer/views/SearchView.vue') },
  { path: '/gallery', name: 'gallery', component: () => import('@renderer/views/GalleryView.vue') },
  { path: '/add', name: 'add', component: () => import('@renderer/views/AddView.vue') },
  { path: '/folders', name: 'folders', component: () => import('@renderer/views/FoldersView.vue') },
  { path: '/tasks', name: 'tasks', component: () => import('@renderer/views/TasksView.vue') },
  {
    path: '/quality',
    name: 'quality',
    component: () => import('@renderer/views/QualityView.vue'),
  },
  {
    path: '/instance',
    name: 'instance',
    component: () => import('@renderer/views/InstanceView.vue'),
  },
  {
    path: '/profiles',
    name: 'profiles',
    component: () => import('@renderer/views/ProfilesView.vue'),
  },
  {
    path: '/settings',
    name: 'settings',
    component: () => import('@renderer/views/SettingsView.vue'),
  },
  { path: '/:pathMatch(.*)*', redirect: '/search' },
]

export const router = createRouter({ history: createWebHashHistory(), routes })
